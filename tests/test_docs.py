"""The README's generated regions (settings, commands) match the code."""

from __future__ import annotations

from ringback.config import Settings
from ringback.docs import README, render


def test_readme_settings_and_commands_are_current():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run `python -m ringback.docs --write`"


def test_every_setting_is_documented():
    text = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`RINGBACK_{name.upper()}`" in text


def _leaf_commands():
    import click

    from ringback.cli import cli

    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                yield (name, sub)
        else:
            yield (name,)


def test_every_command_has_help_with_examples(cli_embedded):
    leaves = list(_leaf_commands())
    assert len(leaves) >= 10
    for path in leaves:
        result = cli_embedded(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "Example" in result.stdout, f"`ringback {' '.join(path)} --help` has no examples"


def test_every_image_the_readme_shows_is_in_the_repository():
    """The README's pictures (docs/screenshots/) are committed, are PNGs, and stay small."""
    import re

    text = README.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\(([^)\s]+)\)", text)
    assert images, "the README shows what the app looks like"
    for image in images:
        path = README.parent / image
        assert path.is_file(), f"{image} is referenced by the README but missing"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
        assert path.stat().st_size < 160_000, f"{image}: optimise it (pngquant)"
