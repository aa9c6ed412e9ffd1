// Behaviour that would otherwise be inline script (forbidden by the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive actions: <form data-confirm="...">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
