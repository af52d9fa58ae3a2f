// Upload with a progress bar, speed and time left; size and type are checked before the first byte.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("id_file");
  const errorBox = document.getElementById("upload-error");
  const wrap = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const percent = document.getElementById("upload-percent");
  const detail = document.getElementById("upload-detail");
  const submit = document.getElementById("upload-submit");
  const maxBytes = Number(form.dataset.maxBytes);
  const extensions = form.dataset.extensions.split(",");

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function formatBytes(n) {
    const units = ["B", "KB", "MB", "GB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function formatTime(s) {
    if (!isFinite(s)) return "";
    s = Math.round(s);
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function check(file) {
    if (!file) return "Choose a video or audio file to upload.";
    const ext = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
    if (!extensions.includes(ext)) return "Files of type ." + (ext || "?") + " are not accepted; use one of: " + extensions.join(", ") + ".";
    if (file.size === 0) return "The file is empty (0 bytes).";
    if (file.size > maxBytes) return "The file is " + formatBytes(file.size) + "; the limit is " + formatBytes(maxBytes) + ".";
    return "";
  }

  // The cost estimate before any byte is sent: the browser reads the recording's length.
  const costBox = document.getElementById("upload-cost");
  const estimateBox = document.getElementById("upload-estimate");
  function estimate(file) {
    if (!costBox || !file) return;
    const probe = document.createElement(file.type.startsWith("audio") ? "audio" : "video");
    probe.preload = "metadata";
    const url = URL.createObjectURL(file);
    probe.addEventListener("loadedmetadata", function () {
      URL.revokeObjectURL(url);
      if (!isFinite(probe.duration)) return;
      const cost = (probe.duration / 60) * Number(costBox.dataset.perMinute);
      let text = "This recording (" + formatTime(probe.duration) + "): about " + cost.toFixed(4) + " " + costBox.dataset.currency + ".";
      const remaining = costBox.dataset.remaining;
      if (remaining !== "" && cost > Number(remaining)) text += " That is more than the budget left this month.";
      estimateBox.textContent = text;
    });
    probe.addEventListener("error", function () { URL.revokeObjectURL(url); estimateBox.textContent = ""; });
    probe.src = url;
  }

  input.addEventListener("change", function () { showError(check(input.files[0])); estimate(input.files[0]); });
  if (input.files.length) showError(check(input.files[0]));  // chosen before this script ran

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const file = input.files[0];
    const problem = check(file);
    showError(problem);
    if (problem) return;

    const xhr = new XMLHttpRequest();
    const started = Date.now();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      const pct = Math.floor((e.loaded / e.total) * 100);
      const speed = e.loaded / Math.max((Date.now() - started) / 1000, 0.001);
      bar.value = pct;
      percent.textContent = pct + "%";
      detail.textContent = formatBytes(speed) + "/s, " + formatTime((e.total - e.loaded) / speed) + " left";
    });
    xhr.addEventListener("load", function () {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status === 201 && body.job) {
        percent.textContent = "100%";
        detail.textContent = "Uploaded. Opening the job…";
        window.location.assign(body.job.url);
        return;
      }
      submit.disabled = false;
      wrap.hidden = true;
      showError(body.error ? body.error.message : "The upload failed (HTTP " + xhr.status + "). Please try again.");
    });
    xhr.addEventListener("error", function () {
      submit.disabled = false;
      showError("The connection dropped during the upload. Please try again.");
    });
    submit.disabled = true;
    wrap.hidden = false;
    xhr.send(new FormData(form));
  });
})();
