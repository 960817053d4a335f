"""bench/rl_vs_random.py: a run keeps what its command printed, across a resume."""

from __future__ import annotations

from pathlib import Path


def test_a_run_keeps_what_its_command_printed_across_a_resume(rl_vs_random, results_log, tmp_path, monkeypatch) -> None:
    def fake_run(line, check, stdout):
        stdout.write(f"printed by {line[line.index('--run-dir') + 1]}\n")

    monkeypatch.setattr(results_log.subprocess, "run", fake_run)
    monkeypatch.setattr(rl_vs_random, "load_run", lambda out: Path(out).name)
    for _ in range(2):  # the second call is a resume: it adds to the file, not replaces it
        data, _seconds = rl_vs_random.run_one("fashion-cpu", "rl", "rl", 0, [], tmp_path / "runs", None)
    assert data == "rl-seed0"
    printed = (tmp_path / "runs" / "rl-seed0.out").read_text().splitlines()
    assert printed == [f"printed by {tmp_path / 'runs' / 'rl-seed0'}"] * 2
