"""The coaching report of one call: Markdown and HTML side by side, the timeline picture,
and ``proposals.json`` for ``ringback call accept``.

Every piece of text that came from the recording or the contact is escaped in the HTML
(a transcript can say "<script>"), and the Markdown escapes the characters that would
turn transcript text into markup.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ringback.calls.analysis import CallAnalysis
from ringback.calls.followups import Proposal
from ringback.calls.targets import Target, evaluate
from ringback.timefmt import plural

PROPOSALS = "proposals.json"
TITLE = "{contact} · who spoke when"  # the timeline picture's title
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|])")


def md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


@dataclass(frozen=True)
class ReportInput:
    analysis: CallAnalysis
    contact_id: int
    contact_name: str
    call_at: datetime
    proposals: list[Proposal]


def _verdict(t: Target) -> str:
    return "n/a" if t.met is None else ("met" if t.met else "not met")


def summary(analysis: CallAnalysis) -> str:
    """One line for the contact's timeline."""
    m = analysis.metrics
    rep_q = [q for q in analysis.questions if q.speaker == "rep"]
    return (
        f"Call reviewed ({analysis.path.name}, {m.duration / 60:.0f} min): you talked "
        f"{m.talk_share_rep:.0%}, asked {plural(len(rep_q), 'question')} "
        f"({sum(1 for q in rep_q if q.kind == 'open')} open), interrupted "
        f"{plural(sum(1 for e in m.interruptions if e.speaker == 'rep'), 'time')}."
    )


def markdown(data: ReportInput, image: str) -> str:
    a, m = data.analysis, data.analysis.metrics
    lines = [
        f"# Call review: {md(data.contact_name)}",
        "",
        f"- Recording: `{a.path.name}` · {m.duration / 60:.1f} min · {data.call_at:%Y-%m-%d %H:%M}",
        f"- Measured: {'stereo, one party per channel' if a.mode == 'stereo' else 'MONO: voices told apart by sound, lower confidence'}",
    ]
    lines += [f"- Warning: {md(w)}" for w in a.warnings]
    lines += ["", f"![who spoke when]({image})", "", "## Against the targets", ""]
    lines += [
        "| metric | this call | target | verdict | why | source |",
        "|---|---|---|---|---|---|",
    ]
    for t in evaluate(a):
        lines.append(
            f"| {t.metric} | {t.value} | {t.target} | {_verdict(t)} | {md(t.why)} | {md(t.source)} |"
        )
    lines += ["", "## Questions you asked", ""]
    rep_q = [q for q in a.questions if q.speaker == "rep"]
    lines += [f"- {clock(q.start)} *{q.kind}* — {md(q.text)}" for q in rep_q] or ["- none"]
    story = m.customer_longest_story
    if story:
        lines += [
            "",
            f"## The customer's longest story ({story.end - story.start:.0f} s at {clock(story.start)})",
            "",
            f"> {md(story.text)}",
        ]
    lines += ["", "## Proposed updates to the contact", ""]
    if data.proposals:
        for p in data.proposals:
            what = p.story_kind.replace("_", " ") if p.story_kind else "follow-up"
            due = f" (due {p.due})" if p.due else ""
            lines.append(f"{p.id}. **{what}** — {md(p.text)}{due} [{clock(p.start)}]")
        lines += ["", "Accept them with `ringback call accept DIR` (this report's folder)."]
    else:
        lines.append("Nothing to file: no goals, challenges, dates or promises were heard.")
    lines += ["", "## Transcript", ""]
    for u in m.utterances:
        lines.append(f"- {clock(u.start)} **{u.speaker}**: {md(u.text)}")
    return "\n".join(lines) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
.met{color:#2e7d32}.notmet{color:#c62828}.warn{color:#8a5a00}.rep{color:#1f6fb2}.customer{color:#b0600c}
img{max-width:100%}"""


def html_page(data: ReportInput, image: str) -> str:
    a, m = data.analysis, data.analysis.metrics
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Call review: {_e(data.contact_name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Call review: {_e(data.contact_name)}</h1>",
        f"<p>Recording <code>{_e(a.path.name)}</code> · {m.duration / 60:.1f} min · "
        f"{_e(f'{data.call_at:%Y-%m-%d %H:%M}')} · "
        f"{'stereo, one party per channel' if a.mode == 'stereo' else '<strong>mono: lower confidence</strong>'}</p>",
    ]
    out += [f"<p class='warn'>Warning: {_e(w)}</p>" for w in a.warnings]
    out.append(f"<img src='{_e(image)}' alt='who spoke when'>")
    out.append("<h2>Against the targets</h2><table><tr><th>metric</th><th>this call</th>")
    out.append("<th>target</th><th>verdict</th><th>why</th><th>source</th></tr>")
    for t in evaluate(a):
        css = "" if t.met is None else ("met" if t.met else "notmet")
        out.append(
            f"<tr><td>{_e(t.metric)}</td><td>{_e(t.value)}</td><td>{_e(t.target)}</td>"
            f"<td class='{css}'>{_verdict(t)}</td><td>{_e(t.why)}</td><td>{_e(t.source)}</td></tr>"
        )
    out.append("</table><h2>Questions you asked</h2><ul>")
    rep_q = [q for q in a.questions if q.speaker == "rep"]
    out += [f"<li>{clock(q.start)} <em>{q.kind}</em> — {_e(q.text)}</li>" for q in rep_q]
    out.append("</ul>")
    story = m.customer_longest_story
    if story:
        out.append(
            f"<h2>The customer's longest story ({story.end - story.start:.0f} s at "
            f"{clock(story.start)})</h2><blockquote>{_e(story.text)}</blockquote>"
        )
    out.append("<h2>Proposed updates to the contact</h2><ol>")
    for p in data.proposals:
        what = p.story_kind.replace("_", " ") if p.story_kind else "follow-up"
        due = f" (due {_e(p.due)})" if p.due else ""
        out.append(f"<li><strong>{_e(what)}</strong> — {_e(p.text)}{due} [{clock(p.start)}]</li>")
    out.append("</ol><p>Accept them with <code>ringback call accept DIR</code>.</p>")
    out.append("<h2>Transcript</h2><ul>")
    for u in m.utterances:
        out.append(
            f"<li>{clock(u.start)} <strong class='{u.speaker}'>{u.speaker}</strong>: {_e(u.text)}</li>"
        )
    out.append("</ul></body></html>")
    return "\n".join(out) + "\n"


def proposals_document(data: ReportInput) -> dict[str, Any]:
    return {
        "contact_id": data.contact_id,
        "contact": data.contact_name,
        "file": str(data.analysis.path),
        "call_at": data.call_at.isoformat(),
        "summary": summary(data.analysis),
        "proposals": [p.as_json() for p in data.proposals],
        "accepted_at": None,
    }


def write_report(data: ReportInput, out_dir: Path) -> dict[str, Path]:
    """Write report.md, report.html, timeline.svg and proposals.json into ``out_dir``.

    Built in a temporary folder beside it and renamed into place, so a failure leaves no
    half-written report behind."""
    import shutil
    import tempfile

    from ringback.calls.timeline import draw

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out_dir.parent))
    try:
        draw(
            data.analysis.metrics,
            tmp / "timeline.svg",
            title=TITLE.format(contact=data.contact_name),
        )
        (tmp / "report.md").write_text(markdown(data, "timeline.svg"), encoding="utf-8")
        (tmp / "report.html").write_text(html_page(data, "timeline.svg"), encoding="utf-8")
        (tmp / PROPOSALS).write_text(
            json.dumps(proposals_document(data), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        out_dir.mkdir(exist_ok=True)
        for item in tmp.iterdir():
            item.replace(out_dir / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        name: out_dir / name for name in ("report.md", "report.html", "timeline.svg", PROPOSALS)
    }
