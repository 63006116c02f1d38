// retake serve: small enhancements on top of pages that work without script — the live timer,
// the heartbeat of the tab holding an attempt, "choose N", drag-and-drop with a keyboard
// alternative, flashcard keys and the exam's keyboard shortcuts. No bank text is ever read into
// code: values are letters, and moves only copy a select's value.
"use strict";
(function () {
  document.documentElement.classList.add("js");
  const csrf = document.body.dataset.csrf || "";

  // The timer counts down from the server's absolute deadline; at zero the page reloads and the
  // server, which submits at the deadline on its own, shows the report.
  const timer = document.getElementById("timer");
  if (timer && timer.dataset.deadline) {
    const skew = Number(timer.dataset.now) - Date.now();
    const deadline = Number(timer.dataset.deadline);
    const left = timer.querySelector(".left");
    const hide = document.getElementById("hide-timer");
    if (hide) {
      hide.checked = sessionStorage.getItem("retake-hide-timer") === "1";
      hide.addEventListener("change", () => sessionStorage.setItem("retake-hide-timer", hide.checked ? "1" : "0"));
    }
    const pad = (n) => String(n).padStart(2, "0");
    const tick = () => {
      const ms = Math.max(0, deadline - (Date.now() + skew));
      const s = Math.floor(ms / 1000);
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      left.textContent = h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
      timer.classList.toggle("low", s < 300);
      if (ms <= 0) { clearInterval(every); setTimeout(() => location.reload(), 1500); }
    };
    const every = setInterval(tick, 1000);
    tick();
  }

  // The heartbeat: this tab keeps the attempt; if another tab took it, say so.
  const tab = document.querySelector("input[name=tab]");
  const exam = location.pathname.match(/^\/exam\/([^/]+)$/);
  if (tab && exam) {
    const beat = () => fetch(`/exam/${exam[1]}/beat`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, tab: tab.value }),
      credentials: "same-origin",
    }).then((r) => {
      if (r.status === 409 && !document.getElementById("taken")) {
        const p = document.createElement("p");
        p.id = "taken"; p.className = "error"; p.setAttribute("role", "alert");
        p.textContent = "This exam was taken over in another tab or window. Changes here are not saved.";
        document.querySelector("main").prepend(p);
      }
    }).catch(() => {});
    setInterval(beat, 3000);
  }

  // "Choose N": once N boxes are ticked, the others wait.
  for (const set of document.querySelectorAll("fieldset[data-choose]")) {
    const need = Number(set.dataset.choose);
    const boxes = [...set.querySelectorAll("input[type=checkbox]")];
    const sync = () => {
      const n = boxes.filter((b) => b.checked).length;
      for (const b of boxes) if (!b.checked) b.disabled = n >= need;
    };
    boxes.forEach((b) => b.addEventListener("change", sync));
    sync();
  }

  // Drag and drop: a tile dropped on a slot sets the slot's select (the form's real control).
  // Keyboard: choose a tile (its radio), then "Place" on a slot; ↑/↓ reorder; ✕ clears.
  for (const dnd of document.querySelectorAll(".dnd")) {
    const slots = [...dnd.querySelectorAll(".slot")];
    const selectOf = (slot) => slot.querySelector("select");
    const refresh = () => {
      const used = new Set(slots.map((s) => selectOf(s).value).filter(Boolean));
      for (const t of dnd.querySelectorAll(".tile")) t.classList.toggle("used", dnd.dataset.kind === "order" && used.has(t.dataset.value));
    };
    const place = (slot, value) => {
      if (selectOf(slot).disabled) return;
      if (dnd.dataset.kind === "order") {
        for (const s of slots) if (s !== slot && selectOf(s).value === value) selectOf(s).value = "";
      }
      selectOf(slot).value = value;
      refresh();
    };
    slots.forEach((slot, i) => {
      selectOf(slot).addEventListener("change", refresh);
      for (const b of slot.querySelectorAll("button[data-do]")) {
        b.addEventListener("click", () => {
          const sel = selectOf(slot);
          if (b.dataset.do === "place") {
            const picked = dnd.querySelector("input[name=pick]:checked");
            if (picked) place(slot, picked.value);
          } else if (b.dataset.do === "clear") {
            sel.value = ""; refresh();
          } else {
            const j = b.dataset.do === "up" ? i - 1 : i + 1;
            if (j >= 0 && j < slots.length) {
              const other = selectOf(slots[j]);
              [sel.value, other.value] = [other.value, sel.value];
              refresh();
            }
          }
        });
      }
    });
    for (const tile of dnd.querySelectorAll(".tile")) {
      tile.addEventListener("pointerdown", (e) => {
        if (e.button !== 0 || tile.querySelector("input").disabled) return;
        e.preventDefault();
        const ghost = document.createElement("div");
        ghost.className = "ghost";
        ghost.textContent = tile.textContent.trim();
        document.body.append(ghost);
        tile.classList.add("dragging");
        const move = (ev) => {
          ghost.style.left = ev.clientX + 8 + "px";
          ghost.style.top = ev.clientY + 8 + "px";
          const over = document.elementFromPoint(ev.clientX, ev.clientY);
          for (const s of slots) s.classList.toggle("over", !!over && s.contains(over));
        };
        const up = (ev) => {
          document.removeEventListener("pointermove", move);
          document.removeEventListener("pointerup", up);
          ghost.remove();
          tile.classList.remove("dragging");
          const over = document.elementFromPoint(ev.clientX, ev.clientY);
          const slot = over && over.closest(".slot");
          for (const s of slots) s.classList.remove("over");
          if (slot && dnd.contains(slot)) place(slot, tile.dataset.value);
          else tile.querySelector("input").checked = true;
        };
        move(e);
        document.addEventListener("pointermove", move);
        document.addEventListener("pointerup", up);
      });
    }
    refresh();
  }

  // Keyboard shortcuts as on the exam: Alt+N next, Alt+P previous, Alt+M mark for review,
  // Alt+R review. In the drill: Space shows the answer, 1–4 grade, U undoes, N continues.
  const press = (sel) => { const b = document.querySelector(sel); if (b && !b.disabled) { b.click(); return true; } return false; };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t && (t.tagName === "INPUT" && t.type === "number" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      const map = { n: "button[value=next]", p: "button[value=prev]", m: "button[value=flag]", r: "button[value=review]" };
      const sel = map[e.key.toLowerCase()];
      if (sel && press(sel)) e.preventDefault();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey) return;
    const flip = document.getElementById("flip");
    if (flip && e.key === " " && !flip.checked) { flip.checked = true; e.preventDefault(); return; }
    if (flip && flip.checked && /^[1-4]$/.test(e.key)) { press(`.grades button[value="${e.key}"]`); return; }
    if (e.key === "u" || e.key === "U") { press("form[action='/drill/undo'] button"); return; }
    if ((e.key === "n" || e.key === "N") && document.getElementById("continue")) { document.getElementById("continue").click(); }
  });
})();
