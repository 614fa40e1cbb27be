"""The voicemail pipeline: store → decode → detect speech → transcribe → extract → notify
→ follow-up. The list is written once, in :func:`~.stages.default_stages`."""

from ringback.voicemail.pipeline.context import (
    AudioExtractor,
    AudioInfo,
    Extractor,
    Notifier,
    PermanentError,
    Reject,
    StageResult,
    Transcriber,
    VoicemailContext,
    VoicemailMessage,
    VoicemailResult,
)
from ringback.voicemail.pipeline.ingest import (
    Incoming,
    Keeping,
    ResumeReport,
    ingest,
    ingest_incoming,
    resume_all,
    resume_pending,
)
from ringback.voicemail.pipeline.records import load_result
from ringback.voicemail.pipeline.runner import RetryPolicy, Runner
from ringback.voicemail.pipeline.stages import (
    DecodeStage,
    DetectSpeechStage,
    ExtractStage,
    NotifyStage,
    Stage,
    StoreStage,
    TranscribeStage,
    default_stages,
)

__all__ = [
    "AudioExtractor",
    "AudioInfo",
    "DecodeStage",
    "DetectSpeechStage",
    "ExtractStage",
    "Extractor",
    "Incoming",
    "Keeping",
    "Notifier",
    "NotifyStage",
    "PermanentError",
    "Reject",
    "ResumeReport",
    "RetryPolicy",
    "Runner",
    "Stage",
    "StageResult",
    "StoreStage",
    "TranscribeStage",
    "Transcriber",
    "VoicemailContext",
    "VoicemailMessage",
    "VoicemailResult",
    "default_stages",
    "ingest",
    "ingest_incoming",
    "load_result",
    "resume_all",
    "resume_pending",
]
