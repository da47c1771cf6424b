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
