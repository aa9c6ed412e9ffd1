// The search page's booking strip: choosing the convening leader fills the hosting unit, as
// static/js/app.js fills the rank. No inline script (CSP): <select data-unit-map="id of a
// json_script mapping leader ids to unit ids" data-unit-field="id of the unit select">.
// Without this file the page still works: the server takes the leader's unit when none is chosen.
"use strict";

(function () {
  function bindLeaderUnits(select) {
    const source = document.getElementById(select.dataset.unitMap);
    const target = document.getElementById(select.dataset.unitField);
    if (!source || !target) return;
    let units;
    try {
      units = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    select.addEventListener("change", () => {
      const unit = units[select.value];
      if (unit) target.value = unit;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("select[data-unit-map]").forEach(bindLeaderUnits);
  });
})();
