// The name-plate editor: add rows, drag rows into order of precedence, and redraw the rostrum
// as the audience will see it. No inline script (CSP): the page marks its hooks with data
// attributes and hands over the seating table with json_script. Without this file the form
// still works: the clerk types precedence numbers and saves.
"use strict";

(function () {
  function readJson(id) {
    const source = document.getElementById(id);
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function field(row, suffix) {
    return row.querySelector(`[name$="-${suffix}"]`);
  }

  function isRemoved(row) {
    const box = field(row, "DELETE");
    return Boolean(box && box.checked);
  }

  function nameOf(row) {
    const input = field(row, "name");
    return input ? input.value.trim() : "";
  }

  function bindPlates(form) {
    const tbody = form.querySelector("[data-plates-rows]");
    const template = document.getElementById("plate-row-template");
    const total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    const seating = readJson(form.dataset.seating) || { seats: {}, ranks: {} };
    const rostrum = document.getElementById("rostrum");
    const seatList = rostrum ? rostrum.querySelector("[data-rostrum-seats]") : null;
    const flag = document.getElementById("rostrum-preview-flag");
    const empty = document.getElementById("rostrum-empty");
    let dragged = null;
    if (!tbody) return;

    const rows = () => Array.from(tbody.querySelectorAll("[data-plate-row]"));

    // The same order as bookings.seating.precedence: a typed number first, then rank (most
    // senior first), then the order on screen.
    function plates() {
      return rows()
        .map((row, index) => ({ row, index }))
        .filter(({ row }) => nameOf(row) && !isRemoved(row))
        .map(({ row, index }) => {
          const precedence = parseInt(field(row, "precedence").value, 10);
          return {
            name: nameOf(row),
            title: (field(row, "title").value || "").trim(),
            rank: seating.ranks[field(row, "rank").value] || 0,
            precedence: precedence > 0 ? precedence : 10000,
            index,
          };
        })
        .sort((a, b) => a.precedence - b.precedence || b.rank - a.rank || a.index - b.index);
    }

    function redraw(changed) {
      if (!seatList) return;
      const ordered = plates();
      const seats = seating.seats[String(ordered.length)] || [];
      const bySeat = ordered.map((plate, i) => ({ ...plate, number: i + 1, seat: seats[i] }));
      bySeat.sort((a, b) => a.seat - b.seat);
      seatList.replaceChildren(
        ...bySeat.map((plate) => {
          const item = document.createElement("li");
          item.className = "rostrum-seat" + (plate.number === 1 ? " rostrum-first" : "");
          item.dataset.seat = String(plate.seat);
          item.dataset.precedence = String(plate.number);
          for (const [cls, text] of [
            ["rostrum-precedence", String(plate.number)],
            ["rostrum-name", plate.name],
            ["rostrum-post", plate.title],
          ]) {
            const span = document.createElement("span");
            span.className = cls;
            span.textContent = text;
            item.append(span);
          }
          return item;
        }),
      );
      if (empty) empty.classList.toggle("d-none", ordered.length > 0);
      if (flag && changed) flag.classList.remove("d-none");
    }

    // After a drag, the order on screen is the order of precedence: number the named rows.
    function renumber() {
      let number = 0;
      rows().forEach((row) => {
        const input = field(row, "precedence");
        if (!input) return;
        if (nameOf(row) && !isRemoved(row)) {
          number += 1;
          input.value = String(number);
        } else {
          input.value = "";
        }
      });
      form.dataset.reordered = "1";
    }

    function clearMarks() {
      rows().forEach((row) => row.classList.remove("plate-drop-before", "plate-drop-after"));
    }

    function bindRow(row) {
      const handle = row.querySelector("[data-drag-handle]");
      if (handle) {
        // Only the handle starts a drag, so text in the inputs can still be selected.
        handle.addEventListener("mousedown", () => {
          row.draggable = true;
        });
        handle.addEventListener("keydown", (event) => {
          let moved = false;
          if (event.key === "ArrowUp" && row.previousElementSibling) {
            tbody.insertBefore(row, row.previousElementSibling);
            moved = true;
          } else if (event.key === "ArrowDown" && row.nextElementSibling) {
            tbody.insertBefore(row.nextElementSibling, row);
            moved = true;
          }
          if (moved) {
            event.preventDefault();
            renumber();
            redraw(true);
            handle.focus();
          }
        });
      }
      row.addEventListener("dragstart", (event) => {
        dragged = row;
        row.classList.add("plate-dragging");
        event.dataTransfer.effectAllowed = "move";
        // Firefox starts a drag only with some data set.
        event.dataTransfer.setData("text/plain", nameOf(row));
      });
      row.addEventListener("dragend", () => {
        row.draggable = false;
        row.classList.remove("plate-dragging");
        clearMarks();
        dragged = null;
      });
      const box = field(row, "DELETE");
      if (box) {
        box.addEventListener("change", () => {
          row.classList.toggle("plate-removed", box.checked);
          redraw(true);
        });
      }
      row.querySelectorAll("input, select").forEach((input) => {
        input.addEventListener("change", () => redraw(true));
      });
    }

    function dropPosition(event) {
      const target = event.target.closest("[data-plate-row]");
      if (!target || target === dragged) return null;
      const box = target.getBoundingClientRect();
      return { target, before: event.clientY < box.top + box.height / 2 };
    }

    tbody.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearMarks();
      const position = dropPosition(event);
      if (position) {
        position.target.classList.add(position.before ? "plate-drop-before" : "plate-drop-after");
      }
    });
    tbody.addEventListener("drop", (event) => {
      if (!dragged) return;
      event.preventDefault();
      const position = dropPosition(event);
      clearMarks();
      if (!position) return;
      tbody.insertBefore(
        dragged,
        position.before ? position.target : position.target.nextElementSibling,
      );
      renumber();
      redraw(true);
    });

    const add = form.querySelector("[data-add-plate]");
    if (add && template && total) {
      add.addEventListener("click", () => {
        const index = parseInt(total.value, 10) || 0;
        const html = template.innerHTML.replace(/__prefix__/g, String(index));
        const holder = document.createElement("tbody");
        holder.innerHTML = html.trim();
        const row = holder.querySelector("[data-plate-row]");
        if (!row) return;
        tbody.append(row);
        total.value = String(index + 1);
        bindRow(row);
        const name = field(row, "name");
        if (name) name.focus();
      });
    }

    form.addEventListener("submit", (event) => {
      // "Seat by rank" drops the numbers on the server; otherwise a dragged order is sent as
      // numbers, including rows named after the drag.
      const by = event.submitter ? event.submitter.name : "";
      if (form.dataset.reordered === "1" && by !== "by_rank") renumber();
    });

    rows().forEach(bindRow);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-plates-form]").forEach(bindPlates);
  });
})();
