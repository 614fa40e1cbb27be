"""The voicemail pipeline: store → decode → detect speech → transcribe → extract → notify."""

from ringback.voicemail.pipeline.context import (
    AudioInfo,
    Extractor,
    Notifier,
    PermanentError,
    Reject,
    StageResult,
    Transcriber,
    Transcript,
    VoicemailContext,
    VoicemailMessage,
    VoicemailResult,
    Word,
)
from ringback.voicemail.pipeline.ingest import ResumeReport, ingest, resume_all, resume_pending
from ringback.voicemail.pipeline.records import load_result
from ringback.voicemail.pipeline.runner import RetryPolicy, Runner
from ringback.voicemail.pipeline.stages import (
    DecodeStage,
    DetectSpeechStage,
    ExtractStage,
    NotifyStage,
    Stage,
    TranscribeStage,
    default_stages,
)

__all__ = [
    "AudioInfo",
    "DecodeStage",
    "DetectSpeechStage",
    "ExtractStage",
    "Extractor",
    "Notifier",
    "NotifyStage",
    "PermanentError",
    "Reject",
    "ResumeReport",
    "RetryPolicy",
    "Runner",
    "Stage",
    "StageResult",
    "TranscribeStage",
    "Transcriber",
    "Transcript",
    "VoicemailContext",
    "VoicemailMessage",
    "VoicemailResult",
    "Word",
    "default_stages",
    "ingest",
    "load_result",
    "resume_all",
    "resume_pending",
]
