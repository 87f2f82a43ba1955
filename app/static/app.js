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
