"""bench/rl_vs_random.py: a run keeps what its command printed, across a resume; the report tests rl against random."""

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


def test_the_report_tests_rl_against_random(rl_vs_random, capsys) -> None:
    def run(label: str, seed: int, last: float) -> dict[str, str]:
        figures = {"first_mean": "0.8", "last_mean": str(last), "best": "0.9", "slope": "0.1", "repeated_last": "0.0"}
        return {"label": label, "strategy": label, "seed": str(seed), **figures}

    # rl 93, 95 against random 90, 92 (in %): a gap of 3 over a standard error of 1.414, t = 2.12 on 2 degrees
    # of freedom, p = 1 - t / sqrt(2 + t^2) = 0.168; rl's two runs are both above random's two, U = 4.
    runs = [run("rl", 0, 0.93), run("rl", 1, 0.95), run("random", 0, 0.92), run("random", 1, 0.90)]
    rl_vs_random.report(runs)
    printed = capsys.readouterr().out.splitlines()
    line = next(line for line in printed if "Welch" in line)
    assert line.startswith("rl - random, last third: +3.00 points; Welch t = 2.12, p = 0.168 (two-sided); ")
    assert "Mann-Whitney U = 4, p = " in line
    # Paired by seed, differences 1 and 5: mean 3, standard error sqrt(8) / sqrt(2) = 2, t = 1.50; on 1 degree
    # of freedom the two-sided p is 1 - 2 atan(1.5) / pi = 0.374.
    paired = next(line for line in printed if "paired by seed" in line)
    assert paired == (
        "  paired by seed (same start network): differences +1.00, +5.00; "
        "paired t = 1.50, p = 0.374 (two-sided, 1 degrees of freedom)"
    )
