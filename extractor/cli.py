"""Command line: thin typer wrappers around plain functions.

Exit codes of ``extract``: 0 all files read; 1 some file had an error (its
record says which and why); 3 with ``--fail-on-inconsistency`` when a check
failed; 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from extractor.batch import BatchSummary, TaggerSpec, run_batch

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Figures, claims and consistency checks from Chinese performance self-evaluation reports.")
console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

EXIT_FILE_ERRORS = 1
EXIT_INCONSISTENT = 3


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Report files or folders (searched recursively)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="JSON Lines output; '-' or none writes to stdout."),
    tagger: str = typer.Option("auto", "--tagger", help="auto (the shipped model, else rules) | model | rules"),
    model: Optional[Path] = typer.Option(None, "--model", help="Model directory for --tagger model."),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Parallel worker processes."),
    force: bool = typer.Option(False, "--force", help="Redo files already in --out (default: skip them by content hash)."),
    include_text: bool = typer.Option(False, "--include-text", help="Put the document text, which offsets index, in each record."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    fail_on_inconsistency: bool = typer.Option(False, "--fail-on-inconsistency", help=f"Exit {EXIT_INCONSISTENT} when a check fails."),
    fmt: Optional[str] = typer.Option(None, "--format", help="jsonl | csv | parquet (default: from the --out suffix, else jsonl). csv/parquet also keep the records in OUT.jsonl."),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) | ray (a Ray cluster; needs the ray extra)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join (e.g. auto or ray://head:10001); default: a local Ray instance."),
) -> None:
    """Extract values, claims and checks from reports (text, PDF, scans) into JSON Lines, CSV or Parquet."""
    from extractor.batch import BatchInterrupted
    from extractor.errors import ExtractorError
    from extractor.writers import format_for

    spec = TaggerSpec(tagger, str(model) if model else None)
    to_stdout = out is None or str(out) == "-"
    target: Any = sys.stdout if to_stdout else out
    try:
        fmt = format_for(None if to_stdout else out, fmt)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if fmt != "jsonl" and to_stdout:
        err_console.print(f"[red]--format {fmt} writes several files: give --out, e.g. --out results.{fmt}[/red]")
        raise typer.Exit(2)
    try:
        summary = run_batch(
            paths,
            target,
            tagger=spec,
            workers=workers,
            force=force,
            include_text=include_text,
            progress=not quiet,
            engine=engine,
            ray_address=ray_address,
            fmt=fmt,
        )
    except BatchInterrupted as stop:
        done = stop.summary
        err_console.print(
            f"[yellow]interrupted[/yellow]: {done.processed} files written this run ({done.skipped} were done before);"
            " run the same command again to resume.",
            soft_wrap=True,
        )
        raise typer.Exit(128 + int(stop.signum)) from None
    except (ExtractorError, RuntimeError, ValueError) as exc:  # a missing extra (pyarrow, ray), a bad engine name
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not quiet:
        print_summary(summary, err_console if to_stdout else console, out=None if to_stdout else out)
        if fmt != "jsonl":
            (err_console if to_stdout else console).print("tables: " + ", ".join(str(p) for p in summary.outputs))
    if summary.failed:
        raise typer.Exit(EXIT_FILE_ERRORS)
    if fail_on_inconsistency and summary.inconsistent:
        raise typer.Exit(EXIT_INCONSISTENT)


annotations_app = typer.Typer(no_args_is_help=True, help="Validate, convert and count gold annotations.")
app.add_typer(annotations_app, name="annotations")


@annotations_app.command("validate")
def annotations_validate(directory: Path = typer.Argument(Path("annotations"), help="Annotation folder.")) -> None:
    """Check every span: slices its text, known label, no overlapping values, values parse."""
    from extractor.annotations import validate_directory
    from extractor.errors import AnnotationError

    try:
        loaded, problems = validate_directory(directory)
    except AnnotationError as exc:
        err_console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    for message in loaded.skipped:
        err_console.print(f"[yellow]skipped:[/yellow] {message}")
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    spans = sum(len(d.spans) for d in loaded.documents)
    console.print(f"{len(loaded.documents)} documents, {spans} spans, {len(problems)} problems, {len(loaded.skipped)} skipped")
    if problems:
        raise typer.Exit(1)


@annotations_app.command("stats")
def annotations_stats(directory: Path = typer.Argument(Path("annotations")), as_json: bool = typer.Option(False, "--json")) -> None:
    """Documents, characters and spans per label."""
    import json

    from extractor.annotations import load_gold, stats

    loaded = load_gold(directory)
    for message in loaded.skipped:
        err_console.print(f"[yellow]skipped:[/yellow] {message}")
    figures = stats(loaded.documents)
    if as_json:
        console.print_json(json.dumps(figures, ensure_ascii=False))
        return
    console.print(f"documents   {figures['documents']}  ({', '.join(f'{k} {v}' for k, v in figures['by_origin'].items())}; {figures['groups']} sources)")
    console.print(f"characters  {figures['characters']}")
    for label, count in figures["spans"].items():
        console.print(f"{label:<11} {count}")
    console.print(f"bare cells  {figures['bare_cells']} (value spans with no unit of their own)")
    console.print(f"checks      {figures['checks']}")


@annotations_app.command("import")
def annotations_import(
    file: Path = typer.Argument(..., help="Label Studio JSON export or doccano JSONL."),
    out: Path = typer.Option(Path("annotations/imported"), "--out", help="Folder for the imported tasks (one Label Studio task per document)."),
) -> None:
    """Import annotations; value spans without a reading get the number reader's."""
    import json

    from extractor.annotations import fill_readings, gold_to_task, read_import_file, validate_document

    docs = [fill_readings(d) for d in read_import_file(file)]
    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    for doc in docs:
        for problem in validate_document(doc):
            problems += 1
            console.print(f"[red]{problem}[/red]")
        target = out / f"{_safe_name(doc.doc_id)}.json"
        target.write_text(json.dumps(gold_to_task(doc), ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"imported {len(docs)} documents into {out} ({problems} problems)")


@annotations_app.command("export")
def annotations_export(
    directory: Path = typer.Argument(Path("annotations")),
    out: Path = typer.Option(..., "--out", help="Output file."),
    fmt: str = typer.Option("labelstudio", "--format", help="labelstudio (JSON list of tasks) | doccano (JSONL) | spacy (DocBin, needs spaCy)"),
) -> None:
    """Export the gold (pool excerpts joined to their text) for Label Studio, doccano or spaCy."""
    import json

    from extractor.annotations import gold_to_doccano, gold_to_task, load_gold

    loaded = load_gold(directory)
    for message in loaded.skipped:
        err_console.print(f"[yellow]skipped:[/yellow] {message}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "labelstudio":
        out.write_text(json.dumps([gold_to_task(d) for d in loaded.documents], ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "doccano":
        out.write_text("".join(json.dumps(gold_to_doccano(d), ensure_ascii=False) + "\n" for d in loaded.documents), encoding="utf-8")
    elif fmt == "spacy":
        try:
            from extractor.spacy_component import gold_to_docbin
        except ImportError:
            err_console.print('[red]--format spacy needs spaCy: pip install -e ".[spacy]"[/red]')
            raise typer.Exit(2) from None
        docbin, problems = gold_to_docbin(loaded.documents)
        for problem in problems:
            err_console.print(f"[yellow]{problem}[/yellow]")
        docbin.to_disk(out)
    else:
        err_console.print(f"[red]unknown format {fmt!r}: use labelstudio, doccano or spacy[/red]")
        raise typer.Exit(2)
    console.print(f"exported {len(loaded.documents)} documents to {out}")


@app.command()
def report(
    results: Path = typer.Argument(..., help="JSON Lines from `extractor extract`."),
    out: Path = typer.Option(Path("review"), "--out", "-o", help="Folder for the site (index.html, docs/)."),
    search: list[Path] = typer.Option([], "--search", help="Folder to look for source files in when a record has no text (repeatable; default: the results file's folder)."),
) -> None:
    """Static HTML review site: documents (failed checks first), highlighted text, checks."""
    from extractor.report import build_report

    if not results.is_file():
        err_console.print(f"[red]no results file {results}: run `extractor extract REPORTS --out {results}` first[/red]")
        raise typer.Exit(2)
    try:
        summary = build_report(results, out, search_dirs=search or None)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    for source, reason in summary.without_text:
        err_console.print(f"[yellow]no text for {source}:[/yellow] {reason}")
    console.print(f"{len(summary.pages)} documents ({summary.failed_documents} with failed checks, {len(summary.without_text)} without text) -> {summary.index}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    tagger: str = typer.Option("auto", "--tagger", help="auto | model | rules (loaded once at start-up)"),
    model: Optional[Path] = typer.Option(None, "--model", help="Model directory for --tagger model."),
    max_body_mb: float = typer.Option(20.0, "--max-body-mb", min=0.001, help="Largest request body (MiB); larger gets 413."),
    max_pages: int = typer.Option(200, "--max-pages", min=1, help="Most pages per document; more gets 422."),
) -> None:
    """HTTP API (FastAPI): POST /extract, GET /health, GET /schema, /docs."""
    try:
        from extractor.api import serve as run_server
    except ImportError:
        err_console.print('[red]serve needs FastAPI and uvicorn: pip install -e ".[api]"[/red]')
        raise typer.Exit(2) from None
    run_server(host=host, port=port, tagger=tagger, model=str(model) if model else None, max_body_bytes=int(max_body_mb * 2**20), max_pages=max_pages)


@app.command()
def preannotate(
    paths: list[Path] = typer.Argument(..., help="Report files or folders."),
    out: Path = typer.Option(..., "--out", help="Label Studio tasks JSON."),
    tagger: str = typer.Option("auto", "--tagger", help="auto | model | rules"),
    model: Optional[Path] = typer.Option(None, "--model"),
) -> None:
    """Label Studio tasks with the tagger's spans as predictions, for an annotator to correct."""
    import json

    from extractor.preannotate import preannotate_files

    tasks, errors = preannotate_files(paths, tagger=TaggerSpec(tagger, str(model) if model else None))
    for message in errors:
        err_console.print(f"[red]{message}[/red]")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"{len(tasks)} tasks -> {out}")
    if errors:
        raise typer.Exit(EXIT_FILE_ERRORS)


@app.command(context_settings={"allow_extra_args": False})
def train(
    config: Path = typer.Option(Path("training/config.yaml"), "--config", help="Training config (YAML)."),
    out: Path = typer.Option(..., "--out", help="Model directory to write, e.g. models/NAME."),
    overrides: list[str] = typer.Option([], "--set", help="Override a config value: section.key=value (repeatable)."),
    all_gold: bool = typer.Option(False, "--all-gold", help="Train on every gold document, the pool's dev and test splits too (for a model to ship once its settings are measured)."),
) -> None:
    """Train the tagging model on the gold annotations plus synthetic data."""
    from training.train import train as run_training

    run_training(config, out, overrides=overrides, all_gold=all_gold, log=err_console.print)


@app.command()
def evaluate(
    directory: Path = typer.Argument(Path("annotations"), help="Gold annotations."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model directory (default: models/default)."),
    tagger: str = typer.Option("model", "--tagger", help="model | rules"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Per-label precision, recall and F1 (seqeval, strict), value accuracy, bare-cell recall."""
    import json

    from extractor.annotations import load_gold
    from extractor.tagger import load_tagger
    from training.evaluate import evaluate_documents, format_scores

    loaded = load_gold(directory)
    for message in loaded.skipped:
        err_console.print(f"[yellow]skipped:[/yellow] {message}")
    scores = evaluate_documents(load_tagger(tagger, str(model) if model else None), loaded.documents)
    console.print(json.dumps(scores, ensure_ascii=False, indent=1) if as_json else format_scores(scores))


def _safe_name(name: str) -> str:
    import re

    return re.sub(r"[^0-9A-Za-z_.-]+", "_", name)[:80] or "doc"


def print_summary(summary: BatchSummary, where: Console, *, out: Path | None) -> None:
    for record in summary.records:
        name = Path(record["source"]).name
        if record["errors"]:
            for error in record["errors"]:
                where.print(f"[red]✗ {name}[/red]  {error['message']}")
            continue
        labels = ", ".join(f"{label} {count}" for label, count in sorted(record["labels"].items())) or "no values"
        checks = record["checks"]
        failed = [c for c in checks if c["status"] == "fail"]
        status = f"checks {len(checks) - len(failed)} pass / [red]{len(failed)} fail[/red]" if failed else f"checks {len(checks)} pass"
        where.print(f"[green]✓[/green] {name}  {record['chars']} chars  {labels}  claims {record['claims']}  {status}")
        for check in failed:
            where.print(f"    [red]✗ {check['kind']}[/red]: {check['description']}")
            if check.get("hint"):
                where.print(f"      hint: {check['hint']}")
    tail = f"{summary.processed} processed, {summary.skipped} skipped (already in output), {summary.failed} with errors"
    if out is not None:
        tail += f" -> {out}"
    where.print(tail)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
