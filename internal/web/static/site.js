// Byline: small improvements for readers with JavaScript. Everything here
// also works without it, through plain links and forms.
(function () {
  "use strict";

  // Reply in place: move the comment form under the comment.
  var form = document.getElementById("comment-form");
  var home = form && form.parentNode;
  function cancelReply() {
    if (!form) return;
    form.querySelector('input[name="parent_id"]').value = "0";
    var note = form.querySelector(".replying");
    if (note) note.remove();
    home.appendChild(form);
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.reply-link");
    if (!link || !form) return;
    e.preventDefault();
    var li = document.getElementById("comment-" + link.dataset.reply);
    if (!li) return;
    cancelReply();
    form.querySelector('input[name="parent_id"]').value = link.dataset.reply;
    var note = document.createElement("p");
    note.className = "replying";
    note.textContent = "Replying to " + link.dataset.name + ". ";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", cancelReply);
    note.appendChild(cancel);
    form.insertBefore(note, form.firstChild);
    li.querySelector(".comment-card").after(form);
    form.querySelector("textarea").focus();
  });

  // Vote without leaving the page.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains("vote")) return;
    e.preventDefault();
    fetch(f.action, { method: "POST", body: new URLSearchParams(new FormData(f)), headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (res) {
        var footer = f.parentNode;
        var score = footer.querySelector("[data-score]");
        score.textContent = res.score;
        score.title = res.up + " up, " + res.down + " down";
        footer.querySelectorAll("form.vote").forEach(function (vf) {
          var btn = vf.querySelector("button");
          var want = btn.classList.contains("vote-up") ? 1 : -1;
          var on = res.vote === want;
          btn.classList.toggle("voted", on);
          btn.setAttribute("aria-pressed", on ? "true" : "false");
          vf.querySelector('input[name="value"]').value = on ? 0 : want;
        });
      })
      .catch(function () { f.submit(); });
  });

  // Live updates: new comments are announced (never pushed into the page
  // under the reader's eyes); scores change in place.
  var section = document.getElementById("comments");
  if (section && section.dataset.article && window.EventSource) {
    var fresh = 0;
    var es = new EventSource("/comments/live?article=" + encodeURIComponent(section.dataset.article));
    var notice = section.querySelector(".new-comments");
    es.addEventListener("comment", function (e) {
      var d = JSON.parse(e.data);
      if (document.getElementById("comment-" + d.id)) return;
      fresh++;
      notice.hidden = false;
      notice.querySelector("button").textContent = fresh + (fresh === 1 ? " new comment" : " new comments") + ": show";
    });
    es.addEventListener("score", function (e) {
      var d = JSON.parse(e.data);
      var el = document.querySelector('[data-score="' + d.id + '"]');
      if (el) { el.textContent = d.score; el.title = d.up + " up, " + d.down + " down"; }
    });
    notice.querySelector("button").addEventListener("click", function () {
      es.close();
      location.hash = "comments";
      location.reload();
    });
  }

  // Quote forms: the model list follows the make (without JavaScript every
  // model is listed, grouped by make, and the server checks the pair), and
  // the year list follows the model.
  document.querySelectorAll("select[data-models]").forEach(function (makeSel) {
    var modelSel = document.getElementById(makeSel.dataset.models);
    if (!modelSel) return;
    var groups = Array.prototype.slice.call(modelSel.querySelectorAll("optgroup"));
    var yearSel = makeSel.form && makeSel.form.querySelector("select[name=year]");
    var allYears = yearSel ? Array.prototype.map.call(yearSel.options, function (o) { return o.value; }) : [];
    function years() {
      if (!yearSel) return;
      var opt = modelSel.options[modelSel.selectedIndex];
      var span = opt && opt.dataset.years ? opt.dataset.years.split("-") : null;
      var keep = yearSel.value;
      yearSel.innerHTML = "";
      allYears.forEach(function (y) {
        if (span && (+y < +span[0] || +y > +span[1])) return;
        var o = document.createElement("option");
        o.textContent = y;
        if (y === keep) o.selected = true;
        yearSel.appendChild(o);
      });
    }
    function filter() {
      groups.forEach(function (g) {
        var show = !makeSel.value || g.dataset.make === makeSel.value;
        g.hidden = !show;
        g.disabled = !show;
      });
      var cur = modelSel.options[modelSel.selectedIndex];
      if (cur && cur.parentNode.tagName === "OPTGROUP" && cur.parentNode.disabled) modelSel.value = "";
      years();
    }
    makeSel.addEventListener("change", filter);
    modelSel.addEventListener("change", function () {
      var g = modelSel.options[modelSel.selectedIndex].parentNode;
      if (g.dataset && g.dataset.make && makeSel.value !== g.dataset.make) { makeSel.value = g.dataset.make; filter(); }
      years();
    });
    filter();
  });
})();
