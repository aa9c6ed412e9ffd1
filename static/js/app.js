// Behaviour that would otherwise be inline script (forbidden by the Content-Security-Policy).
// Every hook is a data attribute set by the templates; the pages work without this file.
"use strict";

document.documentElement.classList.add("js");

// A leader's rank fills the rank field: <select data-rank-map="id-of-json-script"
// data-rank-field="id-of-rank-select">. The map is rendered with Django's json_script filter.
function bindLeaderRanks(select) {
  const source = document.getElementById(select.dataset.rankMap);
  const target = document.getElementById(select.dataset.rankField);
  if (!source || !target) return;
  let ranks;
  try {
    ranks = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }
  const fill = () => {
    const rank = ranks[select.value];
    if (rank) target.value = rank;
  };
  select.addEventListener("change", fill);
  if (select.value) fill();
}

document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive actions: <form data-confirm="question">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  document.querySelectorAll("select[data-rank-map]").forEach(bindLeaderRanks);

  // Submit on change (the language switcher): <select data-autosubmit>.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  // Print buttons: <button data-print>.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
