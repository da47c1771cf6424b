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
        } else if (res.status === 409) {
          stopped = true;
          state.textContent = res.body.error + " Copy your text before reloading the page.";
          state.className = "form-error";
        } else {
          state.textContent = res.body.error || "Not saved.";
        }
      }).catch(function () { dirty = true; state.textContent = "Not saved yet: no connection. Trying again."; });
  }
  form.addEventListener("input", function () {
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
