"""Object storage as the product uses it: django-storages' backends, one of them mended.

django-storages 1.14's Azure Blob backend answers ``listdir(folder)`` with every blob under
the folder, by its full name, as the folder's files, and no folders (issue #1431 upstream),
and a missing blob's ``size`` or read raises the Azure SDK's own error. Django's ``Storage``
gives the folders and the files directly inside a folder, by their own names, and
``FileNotFoundError`` for a missing file, as the local and S3 backends do; the product relies
on both (a job's clips, the files deleted with a job, abandoned uploads' chunks, a clip
deleted under a share link). ``AzureStorage`` here behaves that way. Settings put it in place
of django-storages' own wherever ``STORAGE_BACKEND`` names that one.
"""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobPrefix
from storages.backends import azure_storage
from storages.utils import clean_name


class AzureStorage(azure_storage.AzureStorage):
    """django-storages' Azure Blob backend, listing folders and missing files as Django does."""

    def listdir(self, path: str = "") -> tuple[list[str], list[str]]:
        """The folders and the files directly inside ``path``, by their names there."""
        prefix = self._normalize_name(clean_name(path)).strip("/")
        prefix = f"{prefix}/" if prefix else ""
        folders, files = [], []
        for item in self.client.walk_blobs(name_starts_with=prefix or None, delimiter="/", timeout=self.timeout):
            name = item.name[len(prefix) :]
            if isinstance(item, BlobPrefix):
                folders.append(name.rstrip("/"))
            else:
                files.append(name)
        return folders, files

    def size(self, name: str) -> int:
        try:
            return super().size(name)
        except ResourceNotFoundError:
            raise FileNotFoundError(f"No such file in storage: {name}") from None

    def _open(self, name: str, mode: str = "rb"):
        # The blob is only fetched when first read; ask now, as the other backends do on opening.
        if "r" in mode and not self.exists(name):
            raise FileNotFoundError(f"No such file in storage: {name}")
        return super()._open(name, mode)
