"""``somevahti checktext``: check a text, or a JSON Lines stream of them, from the shell."""

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from somevahti.checks import CheckContext, blocked, check
from somevahti.checks.channel import LIMITS
from somevahti.checks.findings import CATEGORIES, Finding, Media
from somevahti.checks.i18n import set_translator


class InputError(ValueError):
    pass


def _media(value: Any) -> list[Media]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
        raise InputError("media must be a list of objects")
    items = [Media.from_dict(m) for m in value]
    if any(m.type not in ("image", "video") for m in items):
        raise InputError('media type must be "image" or "video"')
    return items


class Command(BaseCommand):
    help = "Check texts for personal data, plain language, tone and channel fit."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="file to read, - for stdin")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("--channel", default="", help="platform: " + ", ".join(LIMITS))
        parser.add_argument("--only", default="", help="categories: " + ",".join(CATEGORIES))
        parser.add_argument("--lang", choices=("fi", "sv", "en"), default="fi")
        parser.add_argument("--jsonl", action="store_true", help="read and write JSON Lines")

    def handle(self, *args: Any, **options: Any) -> None:
        channel = options["channel"].lower()
        if channel and channel not in LIMITS:
            raise CommandError(f"unknown channel {channel!r}", returncode=2)
        categories = {c.strip() for c in options["only"].split(",") if c.strip()}
        if categories - set(CATEGORIES):
            bad = ", ".join(sorted(categories - set(CATEGORIES)))
            raise CommandError(f"unknown category: {bad}", returncode=2)
        self.base = CheckContext.build(lang=options["lang"], channel=channel, categories=categories)
        binary = self._open(options["file"], options.get("stdin"))
        with translation.override(options["lang"]):
            set_translator(translation.gettext)
            try:
                if options["jsonl"]:
                    code = self._jsonl(binary)
                else:
                    code = self._single(binary, options["format"])
            finally:
                set_translator(None)
                if binary is not sys.stdin.buffer:
                    binary.close()
        if code == 2:
            raise CommandError("some input lines were not valid", returncode=2)
        if code:
            raise SystemExit(code)

    def _open(self, name: str, stdin: IO[Any] | None) -> IO[bytes]:
        if stdin is not None and name == "-":
            data = stdin.read()
            import io

            return io.BytesIO(data.encode() if isinstance(data, str) else data)
        if name == "-":
            return sys.stdin.buffer
        try:
            return open(name, "rb")  # noqa: SIM115 - closed in handle()
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}", returncode=2) from exc

    def _single(self, binary: IO[bytes], fmt: str) -> int:
        try:
            text = binary.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(f"input is not UTF-8: {exc}", returncode=2) from exc
        findings = check(text, self.base)
        if fmt == "json":
            payload = {"findings": [f.as_dict() for f in findings], "blocked": blocked(findings)}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
        else:
            for f in findings:
                self.stdout.write(self._line(f))
            if not findings:
                self.stdout.write("OK")
        return 1 if blocked(findings) else 0

    @staticmethod
    def _line(f: Finding) -> str:
        where = f"{f.start}-{f.end}"
        shown = f' "{f.text}"' if f.text else ""
        tail = f" → {f.suggestion}" if f.suggestion else ""
        return f"{where} {f.severity} {f.rule}{shown}: {f.message}{tail}"

    def _records(self, binary: IO[bytes]) -> Iterator[tuple[int, Any, dict[str, Any] | str]]:
        """(line number, id, record or error message); blank lines are skipped."""
        for number, raw in enumerate(binary, 1):
            ident: Any = None
            try:
                line = raw.decode("utf-8").strip()
                if not line:
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise InputError("a line must be a JSON object")
                ident = record.get("id")
                if not isinstance(ident, str):
                    raise InputError('"id" must be a string')
                if not isinstance(record.get("text"), str):
                    raise InputError('"text" must be a string')
                if not isinstance(record.get("channel", ""), str):
                    raise InputError('"channel" must be a string')
                yield number, ident, record
            except (UnicodeDecodeError, json.JSONDecodeError, InputError) as exc:
                yield number, ident, str(exc)

    def _jsonl(self, binary: IO[bytes]) -> int:
        code = 0
        for number, ident, record in self._records(binary):
            try:
                if isinstance(record, str):
                    raise InputError(record)
                channel = str(record.get("channel") or self.base.channel).lower()
                if channel and channel not in LIMITS:
                    raise InputError(f"unknown channel {channel!r}")
                ctx = CheckContext(
                    lang=self.base.lang,
                    channel=channel,
                    media=_media(record.get("media")),
                    categories=self.base.categories,
                )
            except InputError as exc:
                self.stderr.write(f"line {number}: {exc}")
                self.stdout.write(json.dumps({"id": ident, "error": str(exc)}, ensure_ascii=False))
                code = 2
                continue
            findings = check(record["text"], ctx)
            out = {"id": ident, "findings": [f.as_dict() for f in findings]}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            if code == 0 and blocked(findings):
                code = 1
        return code
