"""From a real-world email to the bullets its author wrote: pick the text (or turn HTML into
text), then cut quoted history, forwarded headers and signatures."""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

BULLET_MARK = re.compile("^\\s*(?:[-*\u2022\u00b7\u2013]|\\d{1,2}[.)])\\s+")
# Where the reply ends and the quoted original or a signature begins.
CUT_LINES = (
    re.compile(r"^-- ?$"),  # RFC 3676 signature separator
    re.compile(r"^\s*On .{3,200} wrote:\s*$"),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted header
    re.compile(r"^\s*From:\s.+", re.IGNORECASE),  # a quoted header block
    re.compile(
        r"^\s*Sent from (?:my )?(?:iPhone|iPad|Android|Outlook|Mail|Samsung|BlackBerry)\b",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
)
# Our emails' greetings, in each language they are written in ("Hello Ana," "Hola, Ana:").
GREETING = re.compile(
    r"^\s*>?\s*(?:hello|hi|dear|hola|estimad[oa]s?)\b.{0,200}[,:]\s*$", re.IGNORECASE
)
SKIP_HTML = {"blockquote", "style", "script", "head", "title"}
BLOCK_HTML = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "ul", "ol", "table"}


class _Text(HTMLParser):
    """HTML to text, dropping quoted blocks (blockquote, Gmail's and Outlook's quote divs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip: list[str] = []  # tags whose content is being skipped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if self._skip:
            if tag not in ("br", "img", "hr", "meta", "input"):
                self._skip.append(tag)
            return
        if tag in SKIP_HTML or re.search(
            r"gmail_quote|gmail_signature|divRplyFwdMsg|appendonsend|moz-cite-prefix|signature",
            classes,
            re.IGNORECASE,
        ):
            if tag not in ("br", "img", "hr"):
                self._skip.append(tag)
            return
        if tag in BLOCK_HTML:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if self._skip[-1] == tag:
                self._skip.pop()
            return
        if tag in BLOCK_HTML:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def body_text(message: EmailMessage) -> str:
    """The author's text: text/plain if there is one, else the HTML turned into text."""
    part = message.get_body(("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def strip_quoted(text: str) -> str:
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if any(p.match(line) for p in CUT_LINES):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def _flat(line: str) -> str:
    return " ".join(line.replace(">", " ").split()).lower()


def without_request(text: str, request: list[str]) -> str:
    """The text before our own request begins, where a client quoted it without marks.
    `request` is the request's paragraphs; a line that starts one of them (a quoted
    paragraph's first line, however it was wrapped) or starts with one ends the reply, and
    so does the greeting just above it."""
    starts = [_flat(p) for p in request if len(_flat(p)) >= 16]
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        flat = _flat(line)
        if len(flat) >= 16 and any(p.startswith(flat) or flat.startswith(p) for p in starts):
            above = [j for j in range(i) if lines[j].strip()]
            if above and GREETING.match(lines[above[-1]]):
                i = above[-1]
            return "\n".join(lines[:i])
    return text


def new_text(message: EmailMessage, request: list[str]) -> str:
    """What the author wrote in this message: no quoted history, no signature, none of our
    request quoted without marks."""
    return without_request(strip_quoted(body_text(message)), request)


def bullets_from(text: str) -> list[str]:
    """The marked list items if the author wrote a list (so "Hi," and "Thanks" are not
    bullets), else every non-empty line."""
    lines = [line for line in strip_quoted(text).split("\n") if line.strip()]
    marked = [line for line in lines if BULLET_MARK.match(line)]
    return [BULLET_MARK.sub("", line).strip() for line in (marked or lines)]
