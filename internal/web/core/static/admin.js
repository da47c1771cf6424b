// The admin's live parts: a newsletter's delivery bar follows the sender.
(function () {
  "use strict";
  var box = document.getElementById("campaign-progress");
  if (!box || box.dataset.status !== "sending" || !window.fetch) return;
  var bar = document.getElementById("send-bar");
  function tick() {
    fetch(box.dataset.progress, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
      bar.max = Math.max(p.total, 1);
      bar.value = p.total - p.remaining;
      bar.textContent = p.percent + "%";
      box.querySelectorAll("[data-k]").forEach(function (el) {
        if (p[el.dataset.k] !== undefined) el.textContent = p[el.dataset.k];
      });
      // " · about 14s left" shows only while there is a time to tell.
      var left = document.getElementById("send-left");
      if (left) left.hidden = !p.left;
      if (p.status === "sending") setTimeout(tick, 1000);
      else location.reload();
    }).catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();

// An import's or a backup's page: the bar follows the job, and the page
// reloads when it ends to show the report. Without scripts the page shows the state as of
// its loading, with a link to load it again.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-progress]");
  if (!box || (box.dataset.status !== "queued" && box.dataset.status !== "running") || !window.fetch) return;
  var bar = box.querySelector("progress");
  var phases = { queued: "waiting to start", running: box.dataset.running || "importing" };
  function tick() {
    fetch(box.dataset.progress, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
      bar.value = p.percent;
      bar.textContent = p.percent + "%";
      box.querySelector("[data-k=percent]").textContent = p.percent;
      box.querySelector("[data-k=phase]").textContent = p.checking ? "checking the file" : (phases[p.status] || p.status);
      if (p.active) setTimeout(tick, 1000);
      else location.reload();
    }).catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();

// The editor: saves a draft a few seconds after typing stops and when the
// tab is hidden or closed, says when it saved, and refreshes the preview.
// A save refused because someone else saved first says so and keeps the
// text here; nothing is overwritten.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form || !window.fetch) return;
  var state = document.getElementById("autosave-state");
  var tagsInput = document.getElementById("e-tags");
  if (tagsInput) tagsInput.setAttribute("list", "tag-list");
  var version = form.querySelector("input[name=version]");
  var autosave = form.dataset.autosave === "on";
  var dirty = false, timer = null, previewTimer = null, stopped = false;
  // (The buttons are named "action", which hides form.action: attributes.)
  function preview() {
    var action = form.getAttribute("action");
    form.setAttribute("action", "/admin/articles/preview");
    form.setAttribute("target", "preview");
    HTMLFormElement.prototype.submit.call(form);
    form.setAttribute("action", action);
    form.removeAttribute("target");
  }
  function save(keepalive) {
    if (!dirty || stopped || !autosave) return;
    dirty = false;
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "save");
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (res) {
        if (res.status === 200 || res.status === 201) {
          version.value = res.body.version;
          var label = document.getElementById("version-label");
          if (label) label.textContent = res.body.version;
          if (res.status === 201) {
            form.setAttribute("action", res.body.url);
            history.replaceState(null, "", res.body.url);
          }
          // The page follows the saved headline and kicker, as the server has them.
          if (res.body.title) document.title = res.body.title;
          var h1 = document.querySelector(".admin-main h1");
          if (h1 && res.body.headline) h1.textContent = res.body.headline;
          var kicker = document.getElementById("kicker-sample");
          if (kicker) kicker.textContent = res.body.kicker || "none yet";
          state.textContent = "Draft saved" + (res.body.saved ? " at " + res.body.saved : "") + ".";
          forget();
          key = "byline-editor:" + form.getAttribute("action");
        } else if (res.status === 409) {
          stopped = true;
          state.textContent = res.body.error + " Copy your text before reloading the page.";
          state.className = "form-error";
        } else {
          state.textContent = res.body.error || "Not saved.";
        }
      }).catch(function () { dirty = true; state.textContent = "Not saved yet: no connection. Trying again."; });
  }
  // A copy of what is typed stays in this browser until it is saved, so a
  // tab closed before saving (a published article, no connection) loses
  // nothing: the editor offers it back.
  var fields = ["headline", "slug", "body", "excerpt", "tags", "published_at"];
  var key = "byline-editor:" + form.getAttribute("action");
  function keep() {
    try {
      var copy = { at: new Date().toLocaleString() };
      fields.forEach(function (f) { if (form.elements[f]) copy[f] = form.elements[f].value; });
      localStorage.setItem(key, JSON.stringify(copy));
    } catch (e) { /* private mode or full: the server copy still works */ }
  }
  function forget() { try { localStorage.removeItem(key); } catch (e) {} }
  (function offer() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) return;
    var copy = JSON.parse(raw);
    var differs = fields.some(function (f) { return form.elements[f] && copy[f] !== undefined && copy[f] !== form.elements[f].value; });
    if (!differs) { forget(); return; }
    var box = document.createElement("div");
    box.className = "flash";
    box.setAttribute("role", "status");
    box.textContent = "You have text typed here on " + copy.at + " that was not saved. ";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.textContent = "Bring it back";
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.textContent = "Discard it";
    restore.addEventListener("click", function () {
      fields.forEach(function (f) { if (form.elements[f] && copy[f] !== undefined) form.elements[f].value = copy[f]; });
      dirty = true;
      box.remove();
    });
    drop.addEventListener("click", function () { forget(); box.remove(); });
    box.appendChild(restore);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(drop);
    form.parentNode.insertBefore(box, form);
  })();
  form.addEventListener("submit", function (e) {
    if (!(e.submitter && e.submitter.getAttribute("formtarget") === "preview")) forget(); // a preview saves nothing
  });

  form.addEventListener("input", function () {
    keep();
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 800);
  });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") save(true); });
  window.addEventListener("pagehide", function () { save(true); });
  preview();
})();

// The editor's image picker: each library image gets a button that puts
// its Markdown, ![alt](url), into the text where the cursor is. Without
// scripts the picker shows the Markdown to copy.
(function () {
  "use strict";
  var picker = document.getElementById("media-picker");
  var body = document.getElementById("e-body");
  if (!picker || !body) return;
  picker.querySelectorAll("button.insert-image").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var md = b.dataset.markdown;
      var start = body.selectionStart, end = body.selectionEnd, text = body.value;
      // An image is a paragraph of its own: blank lines around it.
      var before = text.slice(0, start), after = text.slice(end);
      var pre = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
      var post = after === "" || /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
      body.value = before + pre + md + post + after;
      var caret = (before + pre + md).length;
      body.focus();
      body.setSelectionRange(caret, caret);
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  var note = picker.querySelector(".note");
  if (note && picker.querySelector("button.insert-image")) note.textContent = "Put the cursor where the image should show, then choose it.";
})();

// Moderation: select all, and WordPress's keys on the queue (j/k to move,
// x to select, a approve, u hold, s spam, t trash). Every key has a button
// or a checkbox that does the same without a script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-shortcuts]");
  if (!form) return;
  var all = document.getElementById("select-all");
  var boxes = form.querySelectorAll('input[type=checkbox][name="id"]');
  if (all) all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
  });
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  var cur = -1;
  function focusRow(i) {
    if (!rows.length) return;
    cur = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("current", j === cur); });
    rows[cur].focus();
  }
  var keys = { a: "approve", u: "hold", s: "spam", t: "trash" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (e.key === "j") { focusRow(cur + 1); e.preventDefault(); return; }
    if (e.key === "k") { focusRow(cur - 1); e.preventDefault(); return; }
    if (cur < 0) return;
    var row = rows[cur];
    if (e.key === "x") { var cb = row.querySelector('input[type=checkbox]'); cb.checked = !cb.checked; e.preventDefault(); return; }
    var act = keys[e.key];
    if (!act) return;
    var btn = row.querySelector('button[data-act="' + act + '"]');
    if (btn) { e.preventDefault(); form.requestSubmit(btn); }
  });
})();

// A newsletter's form: "Send now" asks how many readers it reaches first
// (without the script the server asks on a page of its own), and the up
// and down buttons reorder the picked articles in place.
(function () {
  "use strict";
  var form = document.querySelector("form.compose");
  if (!form) return;
  form.addEventListener("submit", function (e) {
    var b = e.submitter;
    if (!b || b.name !== "action" || b.value !== "send") return;
    var sel = form.querySelector("#c-aud");
    var opt = sel && sel.options[sel.selectedIndex];
    var q = (opt && opt.dataset.question) || b.dataset.confirm;
    if (!q) return; // the server asks
    if (!window.confirm(q)) { e.preventDefault(); return; }
    var yes = document.createElement("input");
    yes.type = "hidden"; yes.name = "confirm"; yes.value = "yes";
    form.appendChild(yes);
  });
  var list = form.querySelector("#articles");
  if (!list) return;
  list.addEventListener("click", function (e) {
    var b = e.target.closest("button[name=move]");
    if (!b) return;
    e.preventDefault();
    var li = b.closest("li");
    var up = b.value.indexOf("up:") === 0;
    var other = up ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    if (up) list.insertBefore(li, other); else list.insertBefore(other, li);
    b.focus();
  });
})();
