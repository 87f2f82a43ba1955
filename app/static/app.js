// Escape cancels an in-place edit: re-fetch the cell's display fragment.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const editor = event.target.closest("[data-cancel-url]");
  if (editor && window.htmx) {
    htmx.ajax("GET", editor.dataset.cancelUrl, { target: editor, swap: "outerHTML" });
  }
});

// Behaviour the templates ask for with data-* attributes: the Content-Security-Policy allows no
// inline script or on* handlers, so it all lives here, delegated from the document (swapped-in
// fragments work too).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-submit-on-change]")) field.form.requestSubmit();
  if (field.matches("[data-select-all]")) {
    document.querySelectorAll(field.dataset.selectAll).forEach((box) => { box.checked = field.checked; });
  }
  if (field.matches("[data-other-toggle]")) {
    field.form.querySelector("[name=other]").hidden = field.value !== field.dataset.otherToggle;
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.busyLabel) {
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = form.dataset.busyLabel;
  }
});

// The top bar's Menu button (narrow screens): opens and closes the navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-menu-toggle]");
  if (!toggle) return;
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
});

// On a phone a list's rows read as cards (app.css): each cell is labelled with its column's heading here,
// once for the page and again for every fragment htmx swaps in. The Annual Plan Table stays a spreadsheet.
function labelCells(root) {
  const tables = root.matches && root.matches("table") ? [root] : root.querySelectorAll("table.grid:not(.plans)");
  tables.forEach((table) => {
    const heads = [...table.querySelectorAll(":scope > thead th")].map((th) => th.textContent.trim());
    if (!heads.length) return;
    table.classList.add("cards");
    table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
      let column = 0;
      [...row.children].forEach((cell) => {
        if (!cell.dataset.label && heads[column]) cell.dataset.label = heads[column];
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.target.closest("table.grid:not(.plans)") || event.target));
