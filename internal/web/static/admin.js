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
