// Escape cancels an in-place edit: re-fetch the cell's display fragment.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const editor = event.target.closest("[data-cancel-url]");
  if (editor && window.htmx) {
    htmx.ajax("GET", editor.dataset.cancelUrl, { target: editor, swap: "outerHTML" });
  }
});
