"""Relations stated by the structure of flattened tables.

A table that reaches us as text has lost its grid: cells are separated by
tabs, pipes, line breaks or spaces, empty cells are sometimes kept (``| |``,
two tabs) and sometimes lost, header cells may be glued together. What the
table states is in its structure, not in sentences:

- a budget execution table (header ``年初预算数 | 全年预算数 | 全年执行数 |
  分值 | 执行率 | 得分``, a total row ``年度资金总额`` and ``其中`` rows):
  each amount column's total is the sum of the 其中 rows (``sum``), each
  row's 执行率 is its 执行数 over its 预算数 (``rate``), and the row's 得分 is
  执行率 × 分值, the rate capped at 100% (``product``, judged by the stated
  score's rounding);
- a table turned on its side (rows ``全年预算数`` / ``全年执行数`` / ``完成率``,
  one column per kind of money, as in the 部门整体支出绩效自评表): each
  column's rate (``rate``), and a row broken down several ways (按资金结构
  基本支出 + 项目支出, 按预算级次 上级资金 + 区级资金) whose ways add up to
  the same total (``sum``);
- a score table (``一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值``): a
  heading's points against the points of the items under it
  (``score_total``), and a 合计/总分 row against the top level's points.

Everything is read from the value spans the tagger gave (a bare cell whose
label came from its column is as good as a figure with its unit); a cell the
tagger left untagged still holds its place in the row but makes the relations
that need its figure unknown. The vocabulary (column names, row labels,
partitions, traditional forms) is data in ``extractor/data/tables.yaml``.

Never a false failure: a relation is emitted only when the structure states
it and the cells line up (a percentage must sit in the rate column; a row of
a table that drops its empty cells must be complete). Where the structure is
inferred rather than stated (which merged cell a score belongs to, which of
two names glued into one cell owns its figure) the relation is marked
``certain=False``: it can pass, and is ``undetermined`` where it would fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from extractor.relations import DATA_DIR, DocView, Operand, Relation

_HEADER_REACH = 700  # characters before a total row searched for its header
_ROWS_REACH = 1500  # characters after it searched for its rows
_ROLE_ROW_LINES = 6  # lines from a 全年预算数 row searched for its 执行数 and 完成率 rows
_SCORE_TABLE_REACH = 12000  # characters of a score table read at most
_MAX_LEADING_EMPTIES = 16


# --------------------------------------------------------------------- vocabulary


@dataclass
class _Vocabulary:
    translate: dict[int, str]
    roles: list[tuple[str, str]]  # (name, column kind), longest first
    noise: set[str]
    rate_whole_preference: list[str]
    total_rows: set[str]
    part_openers: list[str]
    part_endings: tuple[str, ...]
    part_max_chars: int
    placeholders: set[str]
    role_rows: list[tuple[str, str]]  # (word, kind), longest first
    partitions: list[list[str]]
    total_pattern: re.Pattern[str]
    role_row_pattern: re.Pattern[str]
    score_header_pattern: re.Pattern[str]
    score_total_rows: set[str]
    role_word_pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    with open(DATA_DIR / "tables.yaml", encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    variants: dict[str, str] = {str(k): str(v) for k, v in data["variants"].items()}
    translate = str.maketrans(variants)
    by_simple: dict[str, str] = {}
    for trad, simple in variants.items():
        by_simple[simple] = by_simple.get(simple, "") + trad

    def pattern(word: str) -> str:
        return "".join(f"[{re.escape(ch)}{re.escape(by_simple[ch])}]" if ch in by_simple else re.escape(ch) for ch in word)

    roles = sorted(((name, kind) for kind, names in data["columns"].items() for name in names), key=lambda r: -len(r[0]))
    role_rows = sorted(((w, kind) for kind, words in data["role_rows"].items() for w in words), key=lambda r: -len(r[0]))
    totals = sorted(data["total_rows"], key=len, reverse=True)
    score_totals = data.get("score_total_rows", ["合计", "总分", "总计"])
    return _Vocabulary(
        translate=translate,
        roles=roles,
        noise=set(data["header_noise"]),
        rate_whole_preference=list(data["rate_whole_preference"]),
        total_rows=set(totals),
        part_openers=list(data["part_row_openers"]),
        part_endings=tuple(data["part_row_endings"]),
        part_max_chars=int(data["part_row_max_chars"]),
        placeholders=set(data["placeholders"]),
        role_rows=role_rows,
        partitions=[list(p) for p in data["row_partitions"]],
        total_pattern=re.compile("|".join(pattern(w) for w in totals)),
        role_row_pattern=re.compile(
            r"(?:^|[\t|])[ \u3000]*(?:" + "|".join(pattern(w) for w, kind in role_rows if kind == "budget") + ")", re.MULTILINE
        ),
        score_header_pattern=re.compile(pattern("一级指标") + "|" + pattern("一級指标") + "|" + pattern("一級指標")),
        score_total_rows=set(score_totals),
        role_word_pattern=re.compile("|".join(re.escape(name) for name, kind in roles if kind != "text")),
    )


_PAREN = re.compile(r"[（(][^（()）]{0,40}[)）]")
# A reading in Latin letters inside a word: 預(yù)算數(shù), 全年預算數(A).
_LATIN_NOTE = re.compile(r"[（(][A-Za-z\u00c0-\u024f\u1e00-\u1eff]{1,8}[)）]")
_SPACES = re.compile(r"\s+")


def normalised(text: str, *, keep_spaces: bool = False) -> str:
    """Cell text for matching: simplified forms, parenthesised notes out, spaces squeezed."""
    vocab = vocabulary()
    text = _LATIN_NOTE.sub("", text.translate(vocab.translate))
    previous = None
    while previous != text:
        previous, text = text, _PAREN.sub(" ", text)
    text = text.replace("（", " ").replace("(", " ").replace("）", " ").replace(")", " ")
    text = _SPACES.sub(" " if keep_spaces else "", text)
    return text.strip(" :：，,、;；")


# -------------------------------------------------------------------------- cells


@dataclass
class Cell:
    """One token of a flattened table: a tagged value, an untagged number,
    an empty cell (kept by the separators, or a placeholder such as /) or text."""

    kind: str  # value | number | empty | text
    start: int
    end: int
    text: str
    index: int | None = None  # into the document's values, for kind value
    line: int = 0  # the line it sits on, counted from the region start
    col: int = 0  # the cell's place in its line (tabs or pipes before it)
    piece: int = 0  # tokens of one cell (between two separators) share it


# A number standing as a cell of its own (not 7理, not the 1 of 1.预算执行率).
_BARE_NUMBER = re.compile(r"(?<![\w.．])\d+(?:[,.]\d+)*%?(?![\w.．、%])")
_PUNCTUATION_ONLY = re.compile(r"[\s:：,，;；()（）]*")
_WORDS = re.compile(r"\S+")


def _style(region: str) -> str:
    if "\t" in region:
        return "tab"
    if "|" in region:
        return "pipe"
    return "plain"


def tokenize(doc: DocView, lo: int, hi: int) -> tuple[list[Cell], str]:
    """The cells of ``text[lo:hi]`` and the separator style: ``tab`` (a line
    is a row, cells between tabs), ``pipe`` (cells between pipes, whatever the
    line breaks) or ``plain`` (a line is a cell; spaces part numbers from text)."""
    region = doc.text[lo:hi]
    style = _style(region)
    indices = doc.indices_in(lo, hi)
    reader = _CellReader(doc, style, indices)
    inside = [(doc.values[i].start, doc.values[i].end) for i in indices]
    spans_at = 0
    piece_start = lo
    for match in _SEPARATORS[style].finditer(region):
        at = lo + match.start()
        while spans_at < len(inside) and inside[spans_at][1] <= at:
            spans_at += 1
        if spans_at < len(inside) and inside[spans_at][0] <= at:
            continue  # a figure broken over a line (100. \n0%) stays one cell
        reader.piece(piece_start, at)
        if match.group(0) == "\n":
            reader.line += 1
            reader.col = 0
        else:
            reader.col += 1
        piece_start = at + 1
    reader.piece(piece_start, hi)
    return reader.cells, style


_SEPARATORS = {"tab": re.compile(r"[\t\n]"), "pipe": re.compile(r"\|"), "plain": re.compile(r"\n")}


class _CellReader:
    """Turns the pieces between separators into cells, in order."""

    def __init__(self, doc: DocView, style: str, indices: list[int]) -> None:
        self.doc = doc
        self.text = doc.text
        self.style = style
        self.indices = indices
        self.next_value = 0  # into indices
        self.cells: list[Cell] = []
        self.line = self.col = self.pieces = 0

    def piece(self, a: int, b: int) -> None:
        text = self.text
        self.pieces += 1
        raw = text[a:b]
        stripped = raw.strip()
        if self.style == "pipe" and "\n" in raw:
            # A line break after a pipe starts a new line of cells; one inside a
            # cell (a long text, a figure broken by OCR) does not.
            lead = raw[: len(raw) - len(raw.lstrip())].count("\n") if stripped else raw.count("\n")
            if lead:
                self.line += lead
                self.col = 0
        if not stripped:
            if self.style != "plain":  # an empty cell between two tabs or pipes
                self.cells.append(Cell("empty", a, b, "", line=self.line, col=self.col, piece=self.pieces))
            return
        cursor = a
        values = self.doc.values
        while self.next_value < len(self.indices) and values[self.indices[self.next_value]].start < a:
            self.next_value += 1
        while self.next_value < len(self.indices) and values[self.indices[self.next_value]].end <= b:
            i = self.indices[self.next_value]
            v = values[i]
            self._text(cursor, v.start)
            self.cells.append(Cell("value", v.start, v.end, v.text, index=i, line=self.line, col=self.col, piece=self.pieces))
            cursor = v.end
            self.next_value += 1
        self._text(cursor, b)

    def _text(self, a: int, b: int) -> None:
        if a >= b:
            return
        chunk = self.text[a:b]
        if not chunk.strip():
            return
        cursor = 0
        if any(ch.isdigit() for ch in chunk):
            notes = [m.span() for m in _PAREN.finditer(chunk)] if "(" in chunk or "（" in chunk else []
            for match in _BARE_NUMBER.finditer(chunk):
                if any(x <= match.start() < y for x, y in notes):
                    continue  # (B/A×100%), (2024年度): a note, not a cell
                self._word(a + cursor, a + match.start())
                self.cells.append(
                    Cell("number", a + match.start(), a + match.end(), match.group(0), line=self.line, col=self.col, piece=self.pieces)
                )
                cursor = match.end()
        self._word(a + cursor, b)

    def _word(self, a: int, b: int) -> None:
        chunk = self.text[a:b]
        stripped = chunk.strip()
        if not stripped or _PUNCTUATION_ONLY.fullmatch(stripped):
            return
        placeholders = vocabulary().placeholders
        if " " in stripped and any(w in placeholders for w in stripped.split()):
            # 其他资金 — — —: placeholders parted by spaces are empty cells of their own
            start: int | None = None
            previous_end = 0
            for m in _WORDS.finditer(chunk):
                if m.group(0) in placeholders:
                    if start is not None:
                        self._word(a + start, a + previous_end)
                        start = None
                    self._add("empty", a + m.start(), a + m.end(), m.group(0))
                else:
                    start = m.start() if start is None else start
                previous_end = m.end()
            if start is not None:
                self._word(a + start, a + previous_end)
            return
        kind = "empty" if stripped in placeholders else "text"
        offset = a + chunk.index(stripped)
        self._add(kind, offset, offset + len(stripped), stripped)

    def _add(self, kind: str, a: int, b: int, text: str) -> None:
        self.cells.append(Cell(kind, a, b, text, line=self.line, col=self.col, piece=self.pieces))


# ------------------------------------------------------------------------ headers

_AMOUNT_KINDS = ("budget", "budget_generic", "budget_initial", "actual")


@dataclass
class Column:
    kind: str  # budget_initial | budget | budget_generic | actual | rate | weight | score | text
    name: str
    letter: str | None = None  # (A), (B)
    formula: tuple[str, str] | None = None  # a rate's (numerator, denominator) as written


_HEADER_SEPARATORS = " 、/:："


def trailing_roles(raw: str) -> tuple[list[Column], bool]:
    """The column names at the end of a header cell, and whether the cell is
    nothing but column names. ``年初预算数`` -> one column; ``资金投入情况全年预算数
    全年执行数预算执行率`` (glued) -> three, not complete; ``年度预算数`` -> none (the
    预算数 there is part of another word)."""
    vocab = vocabulary()
    letters = re.findall(r"[（(]\s*([A-Z])\s*[)）]", raw)
    formula_match = re.search(r"[（(]([^（()）]{1,40}/[^（()）]{1,40})[)）]", raw)
    text = normalised(raw, keep_spaces=True)
    found: list[Column] = []
    pos = len(text)
    next_start = -1  # where the column name just read (to the right) starts
    while pos > 0:
        while pos > 0 and text[pos - 1] in _HEADER_SEPARATORS:
            pos -= 1
        if pos == 0:
            break
        match = next(((name, kind) for name, kind in vocab.roles if text.endswith(name, 0, pos)), None)
        if match is None:
            noise = next((n for n in vocab.noise if text.endswith(n, 0, pos)), None)
            if noise is not None and (pos == len(noise) or text[pos - len(noise) - 1] in _HEADER_SEPARATORS):
                pos -= len(noise)
                continue
            break
        name, kind = match
        start = pos - len(name)
        boundary = start == 0 or text[start - 1] in _HEADER_SEPARATORS
        glued = next_start == pos or any(text.endswith(other, 0, start) for other, _ in vocab.roles)
        if not (boundary or glued):
            break  # 年度预算数, 初预算数: not the column 预算数 but the end of another word
        found.insert(0, Column(kind, name))
        next_start = pos = start
    complete = pos == 0
    if len(found) == 1:
        if letters:
            found[0].letter = letters[-1] if found[0].kind != "rate" else None
        if formula_match and found[0].kind == "rate":
            numerator, _, denominator = formula_match.group(1).partition("/")
            found[0].formula = (normalised(numerator), normalised(re.sub(r"[×*x]\s*100\s*%", "", denominator)))
    return found, complete


def header_before(cells: list[Cell], k: int, prefix: str | None) -> list[Column]:
    """The header columns that end just before cell ``k`` (the first row's label);
    ``prefix`` is text of the label's own cell before the label."""
    columns: list[Column] = []
    if prefix is not None and prefix.strip():
        found, complete = trailing_roles(prefix)
        columns = found
        if not complete:
            return columns
    empties = 0
    j = k - 1
    while j >= 0:
        cell = cells[j]
        if cell.kind == "empty":
            empties += 1
            if empties > _MAX_LEADING_EMPTIES:
                break
            j -= 1
            continue
        if cell.kind != "text":
            break
        found, complete = trailing_roles(cell.text)
        if not found and not complete:
            break
        columns = found + columns
        if not complete:
            break
        j -= 1
    return columns


# ----------------------------------------------------------------- budget tables


@dataclass
class _Row:
    label: str
    cells: list[Cell]
    start: int
    complete: bool = True  # its cells line up with the columns


@dataclass
class _Table:
    columns: list[Column]
    total: _Row
    parts: list[_Row] = field(default_factory=list)
    parts_known: bool = True  # every part row lines up


def budget_tables(doc: DocView) -> list[Relation]:
    """Tables with a header of amount columns, a total row and 其中 rows."""
    vocab = vocabulary()
    relations: list[Relation] = []
    covered = -1  # the end of the last table read: a total label inside it opens no other
    for match in vocab.total_pattern.finditer(doc.text):
        if match.start() < covered:
            continue
        table = _table_at(doc, match.start(), match.end())
        if table is not None:
            relations.extend(_budget_relations(doc, table))
            last = table.parts[-1] if table.parts else table.total
            covered = max([last.start] + [c.end for c in last.cells])
    return relations


def _table_at(doc: DocView, a: int, b: int) -> _Table | None:
    vocab = vocabulary()
    text = doc.text
    after = text[b : b + 12]
    if not re.match(r"[ \u3000]*[:：]?[ \u3000]*(?:[\t|\n]|\d|$)", after) and not any(doc.values[i].start < b + 12 for i in doc.indices_in(b, b + 12)):
        return None  # not the label of a row: a row label is followed by its cells
    lo, hi = max(0, a - _HEADER_REACH), min(len(text), b + _ROWS_REACH)
    if len(vocab.role_word_pattern.findall(normalised(text[lo:a]))) < 2:
        return None  # no header of amount columns before it (cheap test before reading cells)
    cells, style = tokenize(doc, lo, hi)
    k = next((n for n, c in enumerate(cells) if c.start <= a < c.end), None)
    if k is None or cells[k].kind != "text":
        return None
    cell = cells[k]
    label_text = text[a : cell.end]
    if normalised(label_text) not in vocab.total_rows:
        return None  # the total's label must end its cell (年度资金总额:)
    prefix = text[cell.start : a]
    columns = header_before(cells, k, prefix)
    kinds = [c.kind for c in columns]
    amount_columns = sum(1 for kind in kinds if kind in _AMOUNT_KINDS)
    if amount_columns < 2 and not (amount_columns == 1 and "rate" in kinds):
        return None
    total_cells, j = _row_cells(cells, k + 1, style, cells[k].line, columns)
    total = _Row(normalised(label_text), total_cells, a)
    total.complete = _lines_up(doc, columns, total_cells, style)
    if not total.complete:
        return None
    table = _Table(columns, total)
    first = True
    while j < len(cells):
        label_cell = cells[j]
        if label_cell.kind != "text":
            break
        label = normalised(label_cell.text)
        nxt = j + 1
        if label in vocab.part_openers and nxt < len(cells) and cells[nxt].kind == "text":
            label = label + normalised(cells[nxt].text)  # 其中: | 当年财政拨款
            nxt += 1
        if not _part_label(label, first):
            break
        row_cells, j = _row_cells(cells, nxt, style, label_cell.line, columns)
        row = _Row(label, row_cells, label_cell.start, _lines_up(doc, columns, row_cells, style))
        table.parts.append(row)
        table.parts_known = table.parts_known and row.complete
        first = False
    return table


def _row_label(text: str) -> bool:
    """A cell that opens a row of its own (a part or a total), not a reason."""
    label = normalised(text)
    return label in vocabulary().total_rows or label in vocabulary().part_openers or _part_label(label, True)


def _part_label(label: str, first: bool) -> bool:
    vocab = vocabulary()
    opener = next((o for o in vocab.part_openers if label.startswith(o)), None)
    if opener is not None:
        if not first:
            return False  # a second 其中: a breakdown of a part, not of the total
        rest = label[len(opener) :].lstrip(":：")
        return 0 < len(rest) <= vocab.part_max_chars
    return 0 < len(label) <= vocab.part_max_chars and label.endswith(vocab.part_endings)


def _row_cells(cells: list[Cell], j: int, style: str, line: int, columns: list[Column]) -> tuple[list[Cell], int]:
    """The cells of a row from ``j`` to the next text cell (a text column's
    cell, such as a reason, belongs to the row), and where the next row starts."""
    row: list[Cell] = []
    while j < len(cells):
        cell = cells[j]
        if style == "tab" and cell.line != line:
            break
        if cell.kind == "text":
            if len(row) < len(columns) and columns[len(row)].kind == "text" and not _row_label(cell.text):
                row.append(cell)
                j += 1
                while j < len(cells) and cells[j].piece == cell.piece:
                    j += 1  # the whole cell: a reason may hold figures of its own
                continue
            break
        row.append(cell)
        j += 1
    if style == "tab":  # the rest of the line (a note, a reason) is not the next row
        while j < len(cells) and cells[j].line == line:
            j += 1
    return row, j


def _lines_up(doc: DocView, columns: list[Column], row: list[Cell], style: str) -> bool:
    """The row's cells sit in their columns: a percentage exactly in the rate
    column; in a table that drops its empty cells, no amount row cut short."""
    for column, cell in zip(columns, row):
        if column.kind == "text" or cell.kind not in ("value", "number"):
            continue
        if _is_percent(doc, cell) != (column.kind == "rate"):
            return False
    if any(_is_percent(doc, cell) for cell in row[len(columns) :]):
        return False  # a percentage past the last column: the header misses one
    if style == "plain":
        filled = [c for c in row if c.kind != "empty"]
        amounts = sum(1 for c in columns if c.kind in _AMOUNT_KINDS)
        anchored = any(_is_percent(doc, c) for c in row)
        if filled and len(row) < amounts and not anchored:
            # empty cells were dropped (a placeholder such as — still counts):
            # which columns are filled is unknown
            return False
    return True


def _is_percent(doc: DocView, cell: Cell) -> bool:
    if cell.kind == "value":
        return doc.values[cell.index].label == "PERCENT"  # type: ignore[index]
    return cell.kind == "number" and cell.text.endswith("%")


def _cell(row: _Row, j: int) -> Cell | None:
    return row.cells[j] if j < len(row.cells) else None


def _usable(doc: DocView, cell: Cell | None, label: str) -> bool:
    return cell is not None and cell.kind == "value" and doc.values[cell.index].label == label and doc.usable(cell.index)  # type: ignore[index]


def _operand(doc: DocView, cell: Cell, name: str) -> Operand:
    return Operand(index=cell.index, text=doc.values[cell.index].text, name=name)  # type: ignore[index]


def _budget_relations(doc: DocView, table: _Table) -> list[Relation]:
    relations: list[Relation] = []
    columns = table.columns
    rows = [table.total] + [r for r in table.parts if r.complete]
    for row in rows:
        relations.extend(_row_relations(doc, columns, row))
    if table.parts and table.parts_known:
        for j, column in enumerate(columns):
            if column.kind in _AMOUNT_KINDS:
                rel = _column_sum(doc, table, j, column)
                if rel is not None:
                    relations.append(rel)
    return relations


def _column_sum(doc: DocView, table: _Table, j: int, column: Column) -> Relation | None:
    total = _cell(table.total, j)
    if not _usable(doc, total, "AMOUNT"):
        return None
    parts: list[tuple[Cell, _Row]] = []
    blanks = 0
    for row in table.parts:
        cell = _cell(row, j)
        if cell is None or cell.kind == "empty":
            blanks += 1
        elif _usable(doc, cell, "AMOUNT"):
            parts.append((cell, row))
        else:
            return None  # a figure the tagger did not read: the sum is unknown
    if not parts or not _same_scale(doc, [total, *(c for c, _ in parts)]):  # type: ignore[list-item]
        return None
    inputs = [_operand(doc, c, f"{row.label} {column.name}") for c, row in parts]
    stated = _operand(doc, total, f"{table.total.label} {column.name}")  # type: ignore[arg-type]
    note = f"table column {column.name}: {table.total.label} and its 其中 rows"
    if blanks:
        note += f"; {blanks} part row(s) blank"
    # Rows can be lost in the flattening (a part row whose label did not survive
    # ends the list early): parts that fall short are undetermined, parts that
    # exceed the total fail.
    return Relation("sum", "sum", stated, inputs, exhaustive=False, note=note)


def _same_scale(doc: DocView, cells: list[Cell]) -> bool:
    """All figures read in one unit (a column's cells must not mix 元 and 万元 readings)."""
    scales = set()
    for cell in cells:
        v = doc.values[cell.index]  # type: ignore[index]
        digits = re.sub(r"[^\d.]", "", v.text.translate(_FULLWIDTH))
        try:
            written = float(digits)
        except ValueError:
            return False
        if written:
            scales.add(round(v.value / written, 6))  # type: ignore[operator]
    return len(scales) <= 1


_FULLWIDTH = {0xFF10 + d: str(d) for d in range(10)} | {0xFF0E: "."}


def _row_relations(doc: DocView, columns: list[Column], row: _Row) -> list[Relation]:
    relations: list[Relation] = []
    by_kind: dict[str, int] = {}
    for j, column in enumerate(columns):
        by_kind.setdefault(column.kind, j)
    rate_j = by_kind.get("rate")
    if rate_j is None:
        return relations
    rate = _cell(row, rate_j)
    if not _usable(doc, rate, "PERCENT"):
        return relations

    def operand(j: int) -> Operand:
        return _operand(doc, _cell(row, j), f"{row.label} {columns[j].name}")  # type: ignore[arg-type]

    pair = _rate_columns(columns, rate_j)
    if pair is not None:
        part, whole = (_cell(row, j) for j in pair)
        if (
            _usable(doc, part, "AMOUNT")
            and _usable(doc, whole, "AMOUNT")
            and doc.values[whole.index].value  # type: ignore[union-attr,index]
            and _same_scale(doc, [part, whole])  # type: ignore[list-item]
        ):
            relations.append(
                Relation(
                    "rate",
                    "ratio",
                    operand(rate_j),
                    [operand(pair[0]), operand(pair[1])],
                    note=f"table row {row.label}: {columns[rate_j].name} = {columns[pair[0]].name} / {columns[pair[1]].name}",
                )
            )
    weight_j, score_j = by_kind.get("weight"), by_kind.get("score")
    if weight_j is not None and score_j is not None:
        weight, score = _cell(row, weight_j), _cell(row, score_j)
        if _usable(doc, weight, "SCORE") and _usable(doc, score, "SCORE"):
            relations.append(
                Relation(
                    "product",
                    "product",
                    operand(score_j),
                    [operand(rate_j), operand(weight_j)],
                    cap=1.0,
                    stated_rounded=True,
                    note=f"table row {row.label}: {columns[score_j].name} = {columns[rate_j].name} × {columns[weight_j].name}; the rate capped at 100%",
                )
            )
    return relations


def _rate_columns(columns: list[Column], rate_j: int) -> tuple[int, int] | None:
    """(part, whole) column indices of the rate: as its header writes it (B/A,
    全年执行数/全年预算数), else the actual column over the preferred budget one."""
    rate = columns[rate_j]
    if rate.formula is not None:
        numerator, denominator = rate.formula
        part = _column_named(columns, numerator)
        whole = _column_named(columns, denominator)
        if part is not None and whole is not None:
            return part, whole
    actual = [j for j, c in enumerate(columns) if c.kind == "actual"]
    whole = None
    for kind in vocabulary().rate_whole_preference:
        candidates = [j for j, c in enumerate(columns) if c.kind == kind]
        if candidates:
            whole = candidates[0] if len(candidates) == 1 else None  # two such columns: which one is unknown
            break
    if len(actual) != 1 or whole is None:
        return None
    return actual[0], whole


def _column_named(columns: list[Column], written: str) -> int | None:
    written = written.strip()
    if len(written) == 1 and written.isalpha():
        return next((j for j, c in enumerate(columns) if c.letter == written), None)
    return next((j for j, c in enumerate(columns) if c.name == written), None)


# -------------------------------------------------------------- role-row tables


def role_row_tables(doc: DocView) -> list[Relation]:
    """Rows 全年预算数 / 全年执行数 / 完成率 with one column per kind of money."""
    vocab = vocabulary()
    relations: list[Relation] = []
    done_until = -1
    for match in vocab.role_row_pattern.finditer(doc.text):
        if match.start() < done_until:
            continue
        line_start = doc.text.rfind("\n", 0, match.start()) + 1
        hi = line_start
        for _ in range(_ROLE_ROW_LINES):
            hi = doc.text.find("\n", hi + 1)
            if hi == -1:
                hi = len(doc.text)
                break
        lo = line_start
        for _ in range(2):  # the lines above may name the columns
            lo = doc.text.rfind("\n", 0, max(lo - 1, 0)) + 1 if lo > 0 else 0
        cells, style = tokenize(doc, lo, hi)
        if style == "plain":
            continue
        lines = _role_lines(doc, cells)
        budget = next((ln for ln, (kind, _) in lines.items() if kind == "budget" and _line_start(cells, ln) >= line_start), None)
        if budget is None:
            continue
        actual = next((ln for ln in (budget + 1, budget + 2) if lines.get(ln, ("",))[0] == "actual"), None)
        if actual is None:
            continue
        rate = next((ln for ln in (actual + 1, actual + 2) if lines.get(ln, ("",))[0] == "rate"), None)
        relations.extend(_role_row_relations(doc, cells, lines, budget, actual, rate))
        done_until = max((c.end for c in cells if c.line in (budget, actual, rate or actual)), default=match.end())
    return relations


def _line_start(cells: list[Cell], line: int) -> int:
    return min((c.start for c in cells if c.line == line), default=-1)


def _role_lines(doc: DocView, cells: list[Cell]) -> dict[int, tuple[str, int]]:
    """line -> (role kind, the label's cell column), for lines whose first text
    cell naming a role comes before all their figures, with figures after it."""
    vocab = vocabulary()
    found: dict[int, tuple[str, int]] = {}
    figures_before: set[int] = set()
    pending: dict[int, tuple[str, int]] = {}
    for cell in cells:
        line = cell.line
        if cell.kind in ("value", "number"):
            if line in pending:
                found[line] = pending.pop(line)
            elif line not in found:
                figures_before.add(line)
            continue
        if cell.kind != "text" or line in found or line in pending or line in figures_before:
            continue
        label = normalised(cell.text)
        role = next((kind for word, kind in vocab.role_rows if label.startswith(word)), None)
        if role is not None:
            pending[line] = (role, cell.col)
    return found


def _line_values(cells: list[Cell], line: int, after_col: int) -> dict[int, list[Cell]]:
    by_col: dict[int, list[Cell]] = {}
    for c in cells:
        if c.line == line and c.col > after_col and c.kind in ("value", "number"):
            by_col.setdefault(c.col, []).append(c)
    return by_col


def _role_row_relations(
    doc: DocView, cells: list[Cell], lines: dict[int, tuple[str, int]], budget: int, actual: int, rate: int | None
) -> list[Relation]:
    relations: list[Relation] = []
    widths = {ln: max((c.col for c in cells if c.line == ln), default=0) for ln in (budget, actual, rate) if ln is not None}
    label_cols = {lines[ln][1] for ln in widths}
    # The columns line up when the rows have as many cells, their labels sit in
    # one column, and no figure shares its cell with text (a row glued to the
    # next table's header shifts its figures).
    glued = any(
        c.kind == "text" and c.line in widths and c.col != lines[c.line][1] and any(
            f.piece == c.piece and f.kind in ("value", "number") for f in cells if f.line == c.line
        )
        for c in cells
    )
    aligned = len(set(widths.values())) == 1 and len(label_cols) == 1 and not glued
    b_vals = _line_values(cells, budget, lines[budget][1])
    a_vals = _line_values(cells, actual, lines[actual][1])
    if rate is not None:
        r_vals = _line_values(cells, rate, lines[rate][1])
        for col, r_cells in sorted(r_vals.items()):
            b_cells, a_cells = b_vals.get(col, []), a_vals.get(col, [])
            if not (len(r_cells) == len(b_cells) == len(a_cells) == 1):
                continue
            r, b, a = r_cells[0], b_cells[0], a_cells[0]
            if not (_usable(doc, r, "PERCENT") and _usable(doc, b, "AMOUNT") and _usable(doc, a, "AMOUNT")):
                continue
            if not doc.values[b.index].value or not _same_scale(doc, [a, b]):  # type: ignore[index]
                continue
            words = _column_words(cells, budget, col, budget)
            name = words[0] if words else f"column {col}"
            relations.append(
                Relation(
                    "rate",
                    "ratio",
                    _operand(doc, r, f"{name} 完成率"),
                    [_operand(doc, a, f"{name} 执行数"), _operand(doc, b, f"{name} 预算数")],
                    certain=aligned,
                    note=f"table rows 预算数 / 执行数 / 完成率, column {name}",
                )
            )
    for line in (budget, actual):
        relations.extend(_partition_sums(doc, cells, line, lines[line][1], budget))
    return relations


def _column_words(cells: list[Cell], line: int, col: int, budget: int) -> list[str]:
    """The kinds of money a cell is named by: in the cell itself, else in the
    budget row's cell above it, else in a header line just above the budget row."""
    for where in dict.fromkeys((line, budget, budget - 1, budget - 2)):
        words = _cell_words(cells, where, col)
        if words:
            return words
    return []


def _cell_words(cells: list[Cell], line: int, col: int) -> list[str]:
    """The partition words named in one cell's text, in order."""
    vocab = vocabulary()
    text = "".join(normalised(c.text) for c in cells if c.line == line and c.col == col and c.kind == "text")
    hits = []
    for words in vocab.partitions:
        for w in words:
            pos = text.find(w)
            if pos >= 0:
                hits.append((pos, w))
    return [w for _, w in sorted(set(hits))]


def _partition_sums(doc: DocView, cells: list[Cell], line: int, label_col: int, header_line: int) -> list[Relation]:
    """A row broken down several ways: a way with one figure is the total of a way with several."""
    vocab = vocabulary()
    by_col = _line_values(cells, line, label_col)
    named: dict[str, tuple[Cell | None, bool]] = {}  # word -> (its figure, ambiguous)
    mentioned: set[str] = set()
    for col in sorted({c.col for c in cells if c.line == line and c.col > label_col}):
        words = _column_words(cells, line, col, header_line)
        mentioned.update(words)
        figures = by_col.get(col, [])
        if not words or len(figures) > 1:
            continue
        ambiguous = len(words) > 1
        owner = words[0]
        named[owner] = (figures[0] if figures else None, ambiguous)
    relations: list[Relation] = []
    ways = []
    for words in vocab.partitions:
        if not all(w in mentioned for w in words):
            continue
        members = {w: named.get(w, (None, False)) for w in words}
        figures = [(w, cell, amb) for w, (cell, amb) in members.items() if cell is not None]
        if any(cell.kind != "value" or not _usable(doc, cell, "AMOUNT") for _, cell, _ in figures):
            continue  # a figure not read: this way's total is unknown
        ways.append((words, figures))
    for single_words, single in ways:
        if len(single) != 1:
            continue
        for multi_words, multi in ways:
            if len(multi) < 2 or set(multi_words) & set(single_words):
                continue
            cells_used = [single[0][1]] + [c for _, c, _ in multi]
            if not _same_scale(doc, cells_used):
                continue
            ambiguous = any(amb for _, _, amb in single + multi)
            stated = _operand(doc, single[0][1], single[0][0])
            inputs = [_operand(doc, c, w) for w, c, _ in multi]
            note = f"one row broken down two ways: {'、'.join(multi_words)} and {'、'.join(single_words)}"
            if ambiguous:
                note += "; a cell names two kinds of money"
            # The single figure is the total only if the blank cells beside it
            # are truly empty (a lost figure reads the same): never a failure.
            relations.append(Relation("sum", "sum", stated, inputs, exhaustive=len(multi) == len(multi_words), certain=False, note=note))
    return relations


# ------------------------------------------------------------------ score tables


_LEVEL = re.compile(r"([一二三四五])[级級]指[标標]")
_LEVELS = "一二三四五"


@dataclass
class _ScoreRow:
    line: int
    scores: dict[int, list[Cell]]  # level -> the figures in its 分值 cell
    names: dict[int, str]  # level -> the text of its 指标 cell ("" when empty)
    total: bool = False  # a 合计 / 总分 row


def score_tables(doc: DocView) -> list[Relation]:
    """``一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值`` tables: a heading's
    points against its items' points, where the table shows which rows a
    heading spans (its figure printed on its first row, as for the first row
    of the table)."""
    vocab = vocabulary()
    relations: list[Relation] = []
    done_until = -1
    for match in vocab.score_header_pattern.finditer(doc.text):
        if match.start() < done_until:
            continue
        line_start = doc.text.rfind("\n", 0, match.start()) + 1
        hi = _grid_block_end(doc.text, line_start)
        header_end = doc.text.find("\n", line_start)
        header_line = doc.text[line_start : header_end if header_end != -1 else hi]
        if header_line.count("分值") + header_line.count("权重") + header_line.count("權重") < 2:
            continue  # one points column: no headings and items
        cells, style = tokenize(doc, line_start, hi)
        if style == "plain":
            continue
        header = _score_header(cells)
        if header is None:
            continue
        rows, end = _score_rows(doc, cells, header)
        done_until = end
        relations.extend(_score_groups(doc, rows, header))
    return relations


def _grid_block_end(text: str, start: int) -> int:
    """The end of the run of table lines (lines holding tabs or pipes) from ``start``."""
    limit = min(len(text), start + _SCORE_TABLE_REACH)
    pos = start
    while pos < limit:
        end = text.find("\n", pos)
        if end == -1 or end > limit:
            return limit
        line = text[pos:end]
        if pos > start and (("\t" not in line and "|" not in line) or vocabulary().score_header_pattern.search(line)):
            return pos  # no table line, or the next header
        pos = end + 1
    return limit


def _score_header(cells: list[Cell]) -> dict[int, tuple[int, int]] | None:
    """level -> (name column, 分值 column), read from the first line's cells."""
    first = [c for c in cells if c.line == 0 and c.kind == "text"]
    names: dict[int, int] = {}
    points: list[int] = []
    for cell in first:
        text = normalised(cell.text)
        level = _LEVEL.search(text)
        if level:
            names.setdefault(_LEVELS.index(level.group(1)) + 1, cell.col)
        if "分值" in text or "权重" in text:
            points.append(cell.col)
    header: dict[int, tuple[int, int]] = {}
    ordered = sorted(names.items())
    for n, (level, col) in enumerate(ordered):
        limit = ordered[n + 1][1] if n + 1 < len(ordered) else col + 2
        score_col = next((p for p in sorted(points) if col < p < limit), None)
        if score_col is not None:
            header[level] = (col, score_col)
    levels = sorted(header)
    if len(levels) < 2 or levels != list(range(levels[0], levels[0] + len(levels))):
        return None
    return header


def _score_rows(doc: DocView, cells: list[Cell], header: dict[int, tuple[int, int]]) -> tuple[list[_ScoreRow], int]:
    vocab = vocabulary()
    by_line: dict[int, list[Cell]] = {}
    for cell in cells:
        by_line.setdefault(cell.line, []).append(cell)
    rows: list[_ScoreRow] = []
    end = cells[-1].end if cells else 0
    line = 1
    while line in by_line:
        line_cells = by_line[line]
        if len({c.col for c in line_cells}) < 2 or any(c.kind == "text" and _LEVEL.search(c.text) for c in line_cells):
            end = line_cells[0].start
            break  # a line that is no table row, or the next header: the block ends
        row = _ScoreRow(line, {}, {})
        for level, (name_col, score_col) in header.items():
            row.scores[level] = [c for c in line_cells if c.col == score_col and c.kind in ("value", "number")]
            row.names[level] = " ".join(c.text for c in line_cells if c.col == name_col and c.kind == "text")
        row.total = any(c.kind == "text" and len(c.text) <= 8 and normalised(c.text) in vocab.score_total_rows for c in line_cells)
        rows.append(row)
        end = line_cells[-1].end
        if row.total:
            break
        line += 1
    return rows, end


def _score_groups(doc: DocView, rows: list[_ScoreRow], header: dict[int, tuple[int, int]]) -> list[Relation]:
    levels = sorted(header)
    data = [r for r in rows if not r.total]
    if not data:
        return []
    parents = [lv for lv in levels[:-1] if any(r.scores[lv] for r in data)]
    if not parents or not all(data[0].scores[lv] for lv in parents):
        return []  # the first row does not carry its headings' points: merged cells are not top-aligned
    closed = bool(rows) and rows[-1].total
    relations: list[Relation] = []
    for lv in parents:
        child = lv + 1
        for n, row in enumerate(data):
            if not row.scores[lv]:
                continue
            stop = next((m for m in range(n + 1, len(data)) if any(data[m].scores[up] for up in levels if up <= lv)), None)
            if stop is None and not closed:
                continue  # the last heading may go on past the end of the excerpt or page
            group = data[n : stop if stop is not None else len(data)]
            rel = _score_group(doc, row, group, lv, child)
            if rel is not None:
                relations.append(rel)
    if closed:
        total = _score_total(doc, rows[-1], data, levels[0])
        if total is not None:
            relations.append(total)
    return relations


def _score_total(doc: DocView, total_row: _ScoreRow, data: list[_ScoreRow], top: int) -> Relation | None:
    """The 合计 / 总分 row against the top level's points."""
    figures = total_row.scores[top]
    if len(figures) != 1 or not _usable(doc, figures[0], "SCORE"):
        return None
    items = [r.scores[top] for r in data if r.scores[top]]
    if len(items) < 2 or any(len(f) != 1 or not _usable(doc, f[0], "SCORE") for f in items):
        return None
    return Relation(
        "score_total",
        "sum",
        _operand(doc, figures[0], "总分"),
        [_operand(doc, f[0], f"{_LEVELS[top - 1]}级指标分值") for f in items],
        exhaustive=False,
        certain=False,
        note=f"score table: the total row and the {_LEVELS[top - 1]}级指标' points",
    )


def _score_group(doc: DocView, head: _ScoreRow, group: list[_ScoreRow], level: int, child: int) -> Relation | None:
    if len(head.scores[level]) != 1 or not _usable(doc, head.scores[level][0], "SCORE"):
        return None
    items: list[tuple[Cell, str]] = []
    for row in group:
        if row is not head and row.names[level]:
            return None  # a heading's name with no points: a heading lost in the flattening
        figures = row.scores[child]
        if not figures:
            if row.names[child]:
                return None  # an item with no points
            continue
        if len(figures) != 1 or not _usable(doc, figures[0], "SCORE"):
            return None
        items.append((figures[0], row.names[child]))
    if not items:
        return None
    stated = _operand(doc, head.scores[level][0], normalised(head.names[level]) or f"{_LEVELS[level - 1]}级指标分值")
    inputs = [_operand(doc, c, normalised(name) or f"{_LEVELS[child - 1]}级指标分值") for c, name in items]
    return Relation(
        "score_total",
        "sum",
        stated,
        inputs,
        exhaustive=False,
        certain=False,
        note=f"score table: a {_LEVELS[level - 1]}级指标's points and its {_LEVELS[child - 1]}级指标' points (merged cells inferred)",
    )


# ------------------------------------------------------------------------- entry


def table_relations(doc: DocView) -> list[Relation]:
    """All relations stated by the document's flattened tables."""
    return budget_tables(doc) + role_row_tables(doc) + score_tables(doc)
