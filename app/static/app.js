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

// Confirmations: an element with data-confirm (a form, or the button that submits it) asks first in the
// page's own dialog (base.html), restating what will happen; "{name}" in the text reads the form's field
// `name` (a select's chosen option, an input's value), so the restatement names what was chosen.
function confirmTextOf(element, submitter) {
  const holder = [submitter, element].find((el) => el && el.dataset && el.dataset.confirm);
  if (!holder) return null;
  const form = holder.form || holder.closest("form");
  return holder.dataset.confirm.replace(/\{(\w+)\}/g, (placeholder, name) => {
    const field = form && form.elements[name];
    if (!field) return placeholder;
    if (field.tagName === "SELECT") return field.selectedOptions.length ? field.selectedOptions[0].text.trim() : "";
    return field.value.trim();
  });
}

function askFirst(text, proceed) {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog || !dialog.showModal) { if (window.confirm(text)) proceed(); return; }
  dialog.querySelector("#confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.addEventListener("close", () => { if (dialog.returnValue === "confirm") proceed(); }, { once: true });
  dialog.showModal();
}

document.addEventListener("htmx:confirm", (event) => {
  const submitter = event.detail.triggeringEvent && event.detail.triggeringEvent.submitter;
  const text = confirmTextOf(event.detail.elt, submitter) || event.detail.question;
  if (!text) return;
  event.preventDefault();
  askFirst(text, () => event.detail.issueRequest(true));
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const text = form.hasAttribute("hx-post") ? null : confirmTextOf(form, event.submitter);
  if (text && !form.dataset.confirmed) {
    event.preventDefault();
    askFirst(text, () => { form.dataset.confirmed = "yes"; form.requestSubmit(event.submitter); });
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
