"""The CLI of growing maps and subsets: `ingest NAME MORE.csv --append`, `project NAME SPACE
--update` and `ingest NEW workspace:NAME --tag TAG`."""

from __future__ import annotations

from embedlab.cli.common import out, print_json
from embedlab.errors import InvalidInputError
from embedlab.store.workspace import Workspace


def append_rows(
    ws: Workspace,
    name: str,
    source: str,
    id: str | None,
    refused: list[str],
    as_json: bool,
    tag: str | None = None,
) -> None:
    """`ingest NAME SOURCE --append`: the new rows follow the first ingest's column rules."""
    from embedlab.pipeline.append import append as run_append

    if tag is not None:
        raise InvalidInputError(
            "--tag picks items of workspace:NAME; it does not go with --append."
        )
    if refused:
        raise InvalidInputError(
            f"--append reads the new rows with the rules of the first ingest of '{name}' (its "
            f"text, label and id columns); leave out {', '.join(refused)}."
        )
    report = run_append(ws, name, source, id=id)
    if as_json:
        print_json(report.to_dict())
        return
    counts = report.appended or {}
    out.print(
        f"Dataset '{name}': {counts.get('n_added', 0):,} items appended, "
        f"{counts.get('n_items', 0):,} now. Embed them with `embedlab embed {name} --method "
        f"METHOD` (only the new items are embedded), then place them on a map with "
        f"`embedlab project {name} SPACE --update`."
    )
    if report.skipped_empty_text:
        out.print(f"Skipped {report.skipped_empty_text} row(s) with empty text.", style="yellow")


def update_map(
    ws: Workspace, name: str, space: str, method: str, dims: int, force: bool, as_json: bool
) -> None:
    """`project NAME SPACE --update`: the new items placed, the old coordinates kept."""
    from embedlab.pipeline.project_update import update_projection

    if force:
        raise InvalidInputError("--update keeps the map and --force makes it again: pick one.")
    result = update_projection(ws, name, space, method=method, dims=dims)
    info = result.to_dict()
    if as_json:
        print_json(info)
        return
    out.print(
        f"{method.upper()} {dims}-D map of '{space}': {info['n_placed']:,} new items placed by "
        f"{info['placement']} (k={info['k']}), {info['n_old']:,} old points unchanged"
    )


def subset_rows(
    ws: Workspace, new: str, source: str, tag: str | None, refused: list[str], as_json: bool
) -> None:
    """`ingest NEW workspace:NAME --tag TAG`: the tagged items of NAME become dataset NEW."""
    from embedlab.pipeline.subset import WORKSPACE_PREFIX, subset

    if not source.startswith(WORKSPACE_PREFIX) or tag is None:
        raise InvalidInputError(
            "A subset is made with `embedlab ingest NEW workspace:NAME --tag TAG` (the items of "
            f"dataset NAME saved under TAG); got source '{source}' and --tag {tag or '(none)'}."
        )
    if refused:
        raise InvalidInputError(
            f"A subset keeps the columns of the dataset it is cut from; leave out "
            f"{', '.join(refused)}."
        )
    name = source.removeprefix(WORKSPACE_PREFIX)
    report = subset(ws, name, new, tag=tag)
    if as_json:
        print_json(report.to_dict())
        return
    out.print(
        f"Dataset '{new}': {report.n_items:,} items of '{name}' (tag '{tag}'), columns "
        f"{', '.join(report.dataset.columns[:12])}"
    )
