"""Contains all the data models used in inputs/outputs"""

from .artifact_kind_enum import ArtifactKindEnum
from .artifact_output import ArtifactOutput
from .correction_input_request import CorrectionInputRequest
from .correction_input_request_data import CorrectionInputRequestData
from .correction_kind_enum import CorrectionKindEnum
from .correction_output import CorrectionOutput
from .correction_output_data import CorrectionOutputData
from .cost_output import CostOutput
from .delivery_output import DeliveryOutput
from .delivery_output_payload import DeliveryOutputPayload
from .delivery_page_output import DeliveryPageOutput
from .error import Error
from .error_error import ErrorError
from .events_enum import EventsEnum
from .format_enum import FormatEnum
from .job_attempt_output import JobAttemptOutput
from .job_error_output import JobErrorOutput
from .job_kind_enum import JobKindEnum
from .job_links_output import JobLinksOutput
from .job_output import JobOutput
from .job_output_options import JobOutputOptions
from .job_output_timings import JobOutputTimings
from .job_page_output import JobPageOutput
from .job_submit_input_request import JobSubmitInputRequest
from .job_submit_json_input_request import JobSubmitJsonInputRequest
from .jobs_list_kind import JobsListKind
from .jobs_list_ordering import JobsListOrdering
from .jobs_result_response_200 import JobsResultResponse200
from .key_create_input_request import KeyCreateInputRequest
from .key_output import KeyOutput
from .label_enum import LabelEnum
from .labelled_line_output import LabelledLineOutput
from .month_output import MonthOutput
from .new_key_output import NewKeyOutput
from .patched_webhook_update_input_request import PatchedWebhookUpdateInputRequest
from .priority_enum import PriorityEnum
from .role_enum import RoleEnum
from .session_enum import SessionEnum
from .status_enum import StatusEnum
from .text_input_request import TextInputRequest
from .text_output import TextOutput
from .text_summary_output import TextSummaryOutput
from .usage_output import UsageOutput
from .video_output import VideoOutput
from .webhook_create_input_request import WebhookCreateInputRequest
from .webhook_output import WebhookOutput
from .webhook_secret_output import WebhookSecretOutput

__all__ = (
    "ArtifactKindEnum",
    "ArtifactOutput",
    "CorrectionInputRequest",
    "CorrectionInputRequestData",
    "CorrectionKindEnum",
    "CorrectionOutput",
    "CorrectionOutputData",
    "CostOutput",
    "DeliveryOutput",
    "DeliveryOutputPayload",
    "DeliveryPageOutput",
    "Error",
    "ErrorError",
    "EventsEnum",
    "FormatEnum",
    "JobAttemptOutput",
    "JobErrorOutput",
    "JobKindEnum",
    "JobLinksOutput",
    "JobOutput",
    "JobOutputOptions",
    "JobOutputTimings",
    "JobPageOutput",
    "JobsListKind",
    "JobsListOrdering",
    "JobsResultResponse200",
    "JobSubmitInputRequest",
    "JobSubmitJsonInputRequest",
    "KeyCreateInputRequest",
    "KeyOutput",
    "LabelEnum",
    "LabelledLineOutput",
    "MonthOutput",
    "NewKeyOutput",
    "PatchedWebhookUpdateInputRequest",
    "PriorityEnum",
    "RoleEnum",
    "SessionEnum",
    "StatusEnum",
    "TextInputRequest",
    "TextOutput",
    "TextSummaryOutput",
    "UsageOutput",
    "VideoOutput",
    "WebhookCreateInputRequest",
    "WebhookOutput",
    "WebhookSecretOutput",
)
