// The Annual Plan Table as a spreadsheet, over htmx. The server stays the only judge of a value:
// every save is the cell's own POST (or /paste, which runs the same save per cell), and a refusal
// comes back as the row with the editor still open and its message. This script only moves focus,
// opens and closes editors (one at a time), and turns keys, clipboard and pointer into those requests.
(() => {
  "use strict";

  const GRID = "#annual-plans";
  const INTERACTIVE = "a, button, input, select, textarea, summary, label";
  let active = null;   // {plan, col}: the focused cell, found again after its row is swapped
  let anchor = null;   // the other corner of a Shift-selected range
  let internal = 0;    // > 0 while this script issues a request (htmx:confirm lets those through)
  let busy = null;     // the save in flight, so a second one waits for it
  const selected = new Set();  // row ids ticked for bulk actions, kept across row swaps

  const grid = () => document.querySelector(GRID);
  const dataRows = () => [...(grid()?.tBodies[0]?.rows || [])].filter((tr) => tr.dataset.plan);
  // An editor is the cell with a cancel URL (its class is no guide: htmx keeps the old cell's class
  // on the new one until the swap settles).
  const EDITOR = "td[data-cancel-url]";
  const isEditor = (td) => td.hasAttribute("data-cancel-url");
  const openEditor = () => grid()?.querySelector(EDITOR);
  const cellKey = (td) => ({ plan: td.parentElement.dataset.plan, col: td.dataset.col });
  const findCell = (key) => key && document.querySelector(`#plan-${key.plan} > td[data-col="${CSS.escape(key.col)}"]`);

  function position(td) {
    return { r: dataRows().indexOf(td.parentElement), c: td.cellIndex };
  }

  function cellAt(r, c) {
    const rows = dataRows();
    const tr = rows[Math.max(0, Math.min(rows.length - 1, r))];
    return tr ? tr.cells[Math.max(0, Math.min(tr.cells.length - 1, c))] : null;
  }

  function ajax(verb, url, options) {
    internal += 1;
    try {
      return htmx.ajax(verb, url, options);
    } finally {
      internal -= 1;
    }
  }

  function status(message, kind) {
    const box = document.getElementById("grid-status");
    if (!box) return;
    box.className = `grid-status ${kind || "ok"}`;
    box.textContent = message;
  }

  // ---- focus and range ------------------------------------------------------------------------

  function rangeCells() {
    const here = findCell(active);
    if (!here) return [];
    const corner = findCell(anchor) || here;
    const a = position(here), b = position(corner);
    const rows = dataRows().slice(Math.min(a.r, b.r), Math.max(a.r, b.r) + 1);
    const [c0, c1] = [Math.min(a.c, b.c), Math.max(a.c, b.c)];
    return rows.map((tr) => [...tr.cells].slice(c0, c1 + 1));
  }

  function paintRange() {
    const table = grid();
    if (!table) return;
    table.querySelectorAll("td.in-range").forEach((td) => {
      td.classList.remove("in-range");
      td.removeAttribute("aria-selected");
    });
    if (!anchor) return;
    rangeCells().flat().forEach((td) => {
      td.classList.add("in-range");
      td.setAttribute("aria-selected", "true");
    });
  }

  function focusCell(td, { extend = false, scroll = true } = {}) {
    if (!td) return;
    const table = grid();
    table.querySelectorAll('td[tabindex="0"]').forEach((other) => { if (other !== td) other.tabIndex = -1; });
    td.tabIndex = 0;
    const key = cellKey(td);
    if (extend) anchor = anchor || active || key;
    else anchor = null;
    active = key;
    td.focus({ preventScroll: !scroll });
    if (scroll) td.scrollIntoView({ block: "nearest", inline: "nearest" });
    paintRange();
  }

  function move(td, dr, dc, extend) {
    const at = position(td);
    let c = at.c + dc;
    const row = cellAt(at.r + dr, 0)?.parentElement;
    if (row) c = Math.max(0, Math.min(row.cells.length - 1, c));
    focusCell(cellAt(at.r + dr, c), { extend });
  }

  // Keep one cell focusable (tabindex 0) after the table or a row is swapped.
  function restore() {
    const table = grid();
    if (!table) return;
    applyWidths(table);
    freeze(table);
    dataRows().forEach((tr) => {
      const box = tr.querySelector("input[name=id]");
      if (box) box.checked = selected.has(tr.dataset.plan);
    });
    countSelection();
    const editor = openEditor();
    if (editor) {
      const field = editor.querySelector("input[name=value], select[name=value]");
      active = cellKey(editor);
      if (field && editor.querySelector(".cell-error")) field.focus();
      return;
    }
    const td = findCell(active) || dataRows()[0]?.querySelector('td[data-col="company"]');
    if (!td) return;
    td.tabIndex = 0;
    if (!active || document.activeElement === document.body || !document.activeElement?.isConnected) {
      if (active) focusCell(td, { scroll: false });
    }
    paintRange();
  }

  // ---- editors ----------------------------------------------------------------------------------

  function editorField(td) {
    return td.querySelector("select[name=value]") || td.querySelector("input[name=value]");
  }

  function changed(td) {
    const field = editorField(td);
    if (!field) return false;
    if (field.tagName === "SELECT") {
      const other = td.querySelector("input[name=other]");
      const start = [...field.options].find((o) => o.defaultSelected);
      return field.value !== (start ? start.value : field.options[0]?.value) || Boolean(other && other.value !== other.defaultValue);
    }
    return field.value !== field.defaultValue || Boolean(td.querySelector(".cell-error"));
  }

  // Close the open editor: save it if anything was typed (the server checks it), else put the
  // display back. Resolves true when it closed, false when the server refused and it stays open.
  function commit(td) {
    if (busy) return busy.then(() => (openEditor() ? commit(openEditor()) : true));
    const key = cellKey(td);
    let request;
    if (!changed(td)) {
      request = ajax("GET", td.dataset.cancelUrl, { source: td, target: td, swap: "outerHTML" });
    } else {
      const form = td.querySelector("form");
      request = ajax("POST", form.getAttribute("hx-post"), {
        source: form, target: `#plan-${key.plan}`, swap: "outerHTML",
      });
    }
    busy = request.then(() => {
      busy = null;
      const still = findCell(key);
      return !(still && isEditor(still));
    }, () => { busy = null; return false; });
    return busy;
  }

  function cancel(td) {
    const key = cellKey(td);
    return track(ajax("GET", td.dataset.cancelUrl, { source: td, target: td, swap: "outerHTML" }).then(() => focusCell(findCell(key))));
  }

  function startEdit(td, typed) {
    return track(openEditorOn(td, typed));
  }

  async function openEditorOn(td, typed) {
    if (!td) return;
    const key = cellKey(td);
    const open = openEditor();
    if (open && open !== td) {
      if (!(await commit(open))) return;  // the first editor was refused: it stays, with its message
    } else if (open === td) {
      editorField(td)?.focus();
      return;
    }
    td = findCell(key);
    if (!td) return;
    const inline = td.querySelector("input[type=checkbox][name=value], select[name=value]");
    if (!td.dataset.editUrl) {
      if (inline && !inline.disabled) {
        if (inline.type === "checkbox") inline.click();
        else inline.focus();
      }
      return;
    }
    await ajax("GET", td.dataset.editUrl, { source: td, target: td, swap: "outerHTML" });
    const editor = findCell(key);
    const field = editor && editorField(editor);
    if (!field) return;
    field.focus();
    if (typed !== undefined && field.tagName === "INPUT") {
      field.value = typed;  // typing replaces the value, as in a spreadsheet
    }
    if (field.tagName === "INPUT") field.setSelectionRange(field.value.length, field.value.length);
  }

  function commitAndMove(td, dr, dc) {
    const key = cellKey(td);
    return track(commit(td).then((closed) => {
      const here = closed && findCell(key);
      if (here) move(here, dr, dc, false);
    }));
  }

  // ---- keyboard ---------------------------------------------------------------------------------

  function onEditorKey(event, td) {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel(td);
    } else if (event.key === "Enter") {
      event.preventDefault();
      commitAndMove(td, event.shiftKey ? -1 : 1, 0);
    } else if (event.key === "Tab") {
      event.preventDefault();
      commitAndMove(td, 0, event.shiftKey ? -1 : 1);
    }
  }

  function onCellKey(event, td) {
    const ctrl = event.ctrlKey || event.metaKey;
    const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (steps[event.key]) {
      event.preventDefault();
      const [dr, dc] = steps[event.key];
      move(td, ctrl ? dr * 1000 : dr, ctrl ? dc * 1000 : dc, event.shiftKey);
    } else if (event.key === "Tab") {
      event.preventDefault();
      move(td, 0, event.shiftKey ? -1 : 1, false);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      move(td, 0, event.key === "Home" ? -1000 : 1000, event.shiftKey);
    } else if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      startEdit(td);
    } else if (event.key === " " && td.dataset.col === "select") {
      event.preventDefault();
      td.querySelector("input").click();
    } else if (event.key === " " && td.querySelector("input[type=checkbox][name=value]")) {
      event.preventDefault();
      startEdit(td);
    } else if (ctrl && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
    } else if ((event.key === "Delete" || event.key === "Backspace") && td.dataset.editUrl) {
      event.preventDefault();
      startEdit(td, "");
    } else if (event.key.length === 1 && !ctrl && !event.altKey && td.dataset.editUrl) {
      event.preventDefault();
      startEdit(td, event.key);
    }
  }

  function onKey(event) {
    const td = event.target.closest?.(`${GRID} td`);
    if (!td) return;
    if (isEditor(td)) {
      onEditorKey(event, td);
    } else if (event.target === td) {
      onCellKey(event, td);
    } else if (event.target.matches("select[name=value]") && (event.key === "Escape" || event.key === "Tab")) {
      event.preventDefault();  // leave an inline select: back to its cell, or on to the next
      if (event.key === "Escape") focusCell(td);
      else move(td, 0, event.shiftKey ? -1 : 1, false);
    }
  }

  // Keys pressed while an editor opens or a save is in flight are queued and replayed, in order,
  // once it is done: typing ahead ("75m", Enter, "80m", Enter) never loses a character.
  let pending = 0;
  const queue = [];

  // aria-busy tells assistive technology (and the tests) that the grid is still catching up.
  function busyState() {
    grid()?.toggleAttribute("aria-busy", pending > 0);
  }

  function track(promise) {
    pending += 1;
    busyState();
    return Promise.resolve(promise).finally(() => {
      pending -= 1;
      drain();
      busyState();
    });
  }

  function typeInto(field, key) {
    if (field.tagName !== "INPUT" || field.type === "checkbox") return;
    const [from, to] = [field.selectionStart ?? field.value.length, field.selectionEnd ?? field.value.length];
    if (key === "Backspace") field.setRangeText("", from === to ? Math.max(0, from - 1) : from, to, "end");
    else if (key.length === 1) field.setRangeText(key, from, to, "end");
  }

  function drain() {
    while (!pending && queue.length) {
      const key = queue.shift();
      const editor = openEditor();
      const target = (editor && editorField(editor)) || findCell(active);
      if (!target) continue;
      const event = { ...key, target, preventDefault() {} };
      if (editor && (key.ctrlKey || key.metaKey) && key.key.toLowerCase() === "a") {
        target.select?.();
      } else if (editor && !["Enter", "Tab", "Escape"].includes(key.key) && !key.ctrlKey && !key.metaKey) {
        typeInto(target, key.key);
      } else {
        onKey(event);
      }
    }
  }

  document.addEventListener("keydown", (event) => {
    const inGrid = event.target.closest?.(GRID) || event.target === document.body;
    if (pending && inGrid && !["Shift", "Control", "Alt", "Meta"].includes(event.key)) {
      event.preventDefault();
      event.stopPropagation();
      const { key, shiftKey, ctrlKey, metaKey, altKey } = event;
      queue.push({ key, shiftKey, ctrlKey, metaKey, altKey });
      return;
    }
    onKey(event);
  }, true);

  // ---- pointer ----------------------------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const open = openEditor();
    const td = event.target.closest(`${GRID} tbody td`);
    if (open && (!td || td !== open) && !event.target.closest(`${GRID} ${EDITOR}`)) {
      if (td && td.dataset.editUrl) {
        focusCell(td, { scroll: false });
        startEdit(td);  // saves the open editor first
      } else {
        const link = event.target.closest("a[href]");
        if (link && changed(open)) {  // leave the page only once what was typed is saved
          event.preventDefault();
          track(commit(open)).then((closed) => { if (closed) window.location.href = link.href; });
        } else {
          track(commit(open));  // clicking elsewhere saves (or keeps the editor with its message)
        }
      }
      return;
    }
    if (!td || isEditor(td) || !td.parentElement.dataset.plan) return;
    if (event.target.closest(INTERACTIVE)) {
      focusCell(td, { scroll: false });
      event.target.closest(INTERACTIVE).focus?.();
      return;
    }
    focusCell(td, { extend: event.shiftKey, scroll: false });
    if (!event.shiftKey && td.dataset.editUrl) startEdit(td);
  });

  // A checkbox or select in another cell would save with the version its row was drawn with,
  // racing the open editor's save: the editor is saved first and that click is not sent.
  document.addEventListener("htmx:confirm", (event) => {
    if (internal) return;
    const open = openEditor();
    const source = event.detail.elt;
    if (!open || event.detail.verb === "get" || !source.closest?.(GRID) || source.closest(EDITOR)) return;
    event.preventDefault();
    if (source.type === "checkbox") source.checked = !source.checked;
    track(commit(open));
  });

  // ---- clipboard --------------------------------------------------------------------------------

  function cellText(td) {
    if (td.dataset.raw !== undefined) return td.dataset.raw;
    const box = td.querySelector("input[type=checkbox]");
    if (box) return box.checked ? "yes" : "no";
    const select = td.querySelector("select");
    if (select) return select.value;
    const value = td.querySelector(".value");
    return (value ? value.textContent : td.innerText).replace(/\s+/g, " ").trim();
  }

  function gridHasFocus() {
    const focused = document.activeElement;
    return focused && focused.matches?.(`${GRID} td`) && !openEditor();
  }

  document.addEventListener("copy", (event) => {
    if (!gridHasFocus()) return;
    const cells = rangeCells();
    event.clipboardData.setData("text/plain", cells.map((row) => row.map(cellText).join("\t")).join("\n"));
    event.preventDefault();
    status(`Copied ${cells.length} × ${cells[0]?.length || 0} cell${cells.length * (cells[0]?.length || 0) === 1 ? "" : "s"}.`);
  });

  // Tab-separated rows, as Google Sheets, Excel and Numbers put them on the clipboard ("" quotes).
  function parseTsv(text) {
    const rows = [];
    let row = [], cell = "", quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 1; }
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"' && cell === "") quoted = true;
      else if (ch === "\t") { row.push(cell); cell = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i += 1;
        row.push(cell); rows.push(row); row = []; cell = "";
      } else cell += ch;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  document.addEventListener("paste", (event) => {
    if (!gridHasFocus()) return;
    event.preventDefault();
    let values = parseTsv(event.clipboardData.getData("text/plain"));
    if (!values.length) return;
    const range = rangeCells();
    if (values.length === 1 && values[0].length === 1 && range.flat().length > 1) {
      values = range.map((row) => row.map(() => values[0][0]));  // one value fills the selected range
    }
    const start = position(range[0][0]);
    const rows = dataRows();
    const cells = [];
    let skipped = 0;
    values.forEach((line, i) => line.forEach((value, j) => {
      const tr = rows[start.r + i];
      const td = tr && tr.cells[start.c + j];
      const control = td && td.querySelector("input[type=checkbox][name=value], select[name=value]");
      if (td && td.dataset.field && (td.dataset.editUrl || (control && !control.disabled))) {
        cells.push({ plan: Number(tr.dataset.plan), field: td.dataset.field, value, version: Number(tr.dataset.version) });
      } else {
        skipped += 1;
      }
    }));
    const note = skipped ? ` ${skipped} value${skipped === 1 ? "" : "s"} not pasted: outside the table or on cells that cannot be edited.` : "";
    if (!cells.length) {
      status(`Nothing pasted.${note}`, "error");
      return;
    }
    ajax("POST", grid().dataset.pasteUrl, { source: grid(), values: { cells: JSON.stringify(cells) }, swap: "none" })
      .then(() => {
        if (note) status(document.getElementById("grid-status").textContent + note, "error");
      });
  });

  function undo() {
    ajax("POST", grid().dataset.undoUrl, { source: grid(), swap: "none" });
  }

  // ---- rows selected for bulk actions -----------------------------------------------------------

  function countSelection() {
    const count = selected.size;
    const label = document.querySelector("[data-selected-count]");
    if (label) label.textContent = count ? `${count} row${count === 1 ? "" : "s"} selected` : "No rows selected";
    document.querySelectorAll("[data-needs-selection]").forEach((button) => { button.disabled = !count; });
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches(`${GRID} input[name=id]`)) {
      if (box.checked) selected.add(box.value); else selected.delete(box.value);
      countSelection();
    } else if (box.matches(`${GRID} [data-select-all]`)) {
      dataRows().forEach((tr) => {
        const id = tr.dataset.plan;
        if (box.checked) selected.add(id); else selected.delete(id);
      });
      countSelection();
    } else if (box.matches("[data-columns-menu] input[type=checkbox]")) {
      const hidden = [...document.querySelectorAll("[data-columns-menu] input[type=checkbox]")]
        .filter((b) => !b.checked).map((b) => b.value);
      ajax("POST", grid().dataset.layoutUrl, { source: grid(), values: { hidden: JSON.stringify(hidden) }, swap: "none" })
        .then(() => ajax("GET", window.location.pathname + window.location.search,
          { source: grid(), target: "#plans-table", swap: "innerHTML" }));
    }
  });

  // ---- column widths ----------------------------------------------------------------------------

  function widths(table) {
    try { return JSON.parse(table.dataset.widths || "{}"); } catch { return {}; }
  }

  function setWidth(table, key, px, cells) {
    (cells || table.querySelectorAll(`[data-col="${CSS.escape(key)}"]`)).forEach((el) => {
      el.style.width = el.style.minWidth = el.style.maxWidth = `${px}px`;
      el.classList.add("sized");
    });
    const col = table.querySelector(`col[data-col-width="${CSS.escape(key)}"]`);
    if (col && table.classList.contains("frozen")) {
      col.style.width = `${px}px`;
      table.style.width = `${[...table.querySelectorAll("col")].reduce((sum, c) => sum + parseFloat(c.style.width || 0), 0)}px`;
    }
  }

  function applyWidths(table) {
    Object.entries(widths(table)).forEach(([key, px]) => setWidth(table, key, px));
  }

  // Once the browser has sized the columns to their content, fix those widths (table-layout: fixed),
  // so a cell swapped in later lays out its own row instead of re-measuring the whole wide table:
  // that re-measuring was most of the time between pressing Enter and seeing the editor.
  function freeze(table) {
    if (table.classList.contains("frozen") || getComputedStyle(table).display !== "table") return;
    const heads = [...table.querySelectorAll("tr.column-heads > th")];
    const cols = [...table.querySelectorAll("colgroup > col")];
    if (!heads.length || cols.length !== heads.length) return;
    const px = heads.map((th) => Math.ceil(th.getBoundingClientRect().width));
    cols.forEach((col, i) => { col.style.width = `${px[i]}px`; });
    table.style.width = `${px.reduce((sum, w) => sum + w, 0)}px`;
    table.classList.add("frozen");
  }

  document.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest?.(`${GRID} [data-resize]`);
    if (!handle) return;
    event.preventDefault();
    const table = grid();
    const key = handle.dataset.resize;
    const cells = table.querySelectorAll(`[data-col="${CSS.escape(key)}"]`);
    const startX = event.clientX, startWidth = handle.parentElement.getBoundingClientRect().width;
    let px = Math.round(startWidth);
    const onMove = (e) => {
      px = Math.max(40, Math.min(1000, Math.round(startWidth + e.clientX - startX)));
      setWidth(table, key, px, cells);
    };
    const onUp = () => {
      document.removeEventListener("pointermove", onMove);
      document.removeEventListener("pointerup", onUp);
      table.dataset.widths = JSON.stringify({ ...widths(table), [key]: px });
      ajax("POST", table.dataset.layoutUrl, { source: table, values: { widths: JSON.stringify({ [key]: px }) }, swap: "none" });
    };
    document.addEventListener("pointermove", onMove);
    document.addEventListener("pointerup", onUp);
  });

  // Focus given another way (a screen reader, a script, Tab into the grid) makes that cell the active one.
  document.addEventListener("focusin", (event) => {
    const td = event.target;
    if (!td.matches?.(`${GRID} tbody td`) || !td.parentElement.dataset.plan) return;
    const key = cellKey(td);
    if (active && active.plan === key.plan && active.col === key.col) return;
    grid().querySelectorAll('td[tabindex="0"]').forEach((other) => { if (other !== td) other.tabIndex = -1; });
    td.tabIndex = 0;
    active = key;
    anchor = null;
    paintRange();
  });

  // htmx copies a swapped element's old style attribute onto the new one, which the
  // Content-Security-Policy refuses (and the column widths are re-applied after each swap anyway).
  htmx.config.attributesToSettle = htmx.config.attributesToSettle.filter((name) => name !== "style");
  document.addEventListener("htmx:afterSettle", restore);
  document.addEventListener("DOMContentLoaded", restore);
})();
