// Byline: small improvements for readers with JavaScript. Everything here
// also works without it, through plain links and forms.
(function () {
  "use strict";

  // Reply in place: move the comment form under the comment.
  var form = document.getElementById("comment-form");
  var home = form && form.parentNode;
  // A signed-out reader's box has the ways to sign in under it: they go
  // with the form, and bring the reader back to the reply.
  var signin = document.getElementById("comment-signin");
  var signinBack = signin && (signin.querySelector('input[name="return_to"]') || {}).value;
  function returnTo(to) {
    if (!signin || !to) return;
    signin.querySelectorAll('input[name="return_to"]').forEach(function (i) { i.value = to; });
    signin.querySelectorAll("a[href*='return_to=']").forEach(function (a) {
      a.href = a.getAttribute("href").replace(/return_to=[^&#]*/, "return_to=" + encodeURIComponent(to));
    });
  }
  function cancelReply() {
    if (!form) return;
    form.querySelector('input[name="parent_id"]').value = "0";
    var note = form.querySelector(".replying");
    if (note) note.remove();
    home.appendChild(form);
    if (signin) { form.after(signin); returnTo(signinBack); }
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
    if (signin) { form.after(signin); returnTo("/comments/" + link.dataset.reply + "/reply"); }
    restoreDraft(form);
    form.querySelector("textarea").focus();
  });

  // Drafts: what a reader types in a comment box is kept in this browser
  // for an hour, per article and comment replied to, and put back in the
  // box when they return to it, after signing in for one (by whichever
  // way, in this tab or another). Posting it forgets it.
  function draftKey(f) {
    var a = f.querySelector('input[name="article_id"]'), p = f.querySelector('input[name="parent_id"]');
    return a && p ? "byline-draft:" + a.value + ":" + p.value : "";
  }
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  function restoreDraft(f) {
    var ta = f.querySelector("textarea[name=body]"), st = store(), key = draftKey(f);
    if (!ta || !st || !key || ta.value.trim()) return;
    var d = null;
    try { d = JSON.parse(st.getItem(key) || "null"); } catch (e) { /* not ours */ }
    if (!d || typeof d.body !== "string" || Date.now() - d.at > 3600e3) return;
    ta.value = d.body;
    ta.dispatchEvent(new Event("input"));
  }
  document.querySelectorAll("form.comment-form").forEach(function (f) {
    var ta = f.querySelector("textarea[name=body]"), st = store();
    if (!ta || !st || !draftKey(f)) return;
    ta.addEventListener("input", function () {
      var key = draftKey(f);
      try {
        if (ta.value.trim()) st.setItem(key, JSON.stringify({ body: ta.value, at: Date.now() }));
        else st.removeItem(key);
      } catch (e) { /* full or refused: the server path still holds it */ }
    });
    f.addEventListener("submit", function (e) {
      if (e.submitter && e.submitter.hasAttribute("data-preview")) return;
      if (new URL(f.action, location.href).pathname === "/comments") st.removeItem(draftKey(f));
    });
  });
  // Words older than an hour are not kept.
  (function () {
    var st = store();
    if (!st) return;
    try {
      Object.keys(st).forEach(function (k) {
        if (k.indexOf("byline-draft:") !== 0) return;
        var d = null;
        try { d = JSON.parse(st.getItem(k)); } catch (e) { /* not ours: dropped below */ }
        if (!d || !(Date.now() - d.at < 3600e3)) st.removeItem(k);
      });
    } catch (e) { /* storage refused */ }
  })();
  // Restored after the editor below has set up its counter.
  setTimeout(function () { document.querySelectorAll("form.comment-form").forEach(restoreDraft); }, 0);

  // An e-mailed link opened in the browser that asked for it continues by
  // itself (opening the link alone never signs in: mail scanners open it).
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) {
    var go = auto.querySelector("button");
    if (go) go.disabled = true;
    HTMLFormElement.prototype.submit.call(auto);
  }

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
    // Edits, deletions and moderation: the comment is redrawn in place,
    // or taken away.
    es.addEventListener("changed", function (e) {
      var d = JSON.parse(e.data);
      var li = document.getElementById("comment-" + d.id);
      if (!li) return;
      var text = li.querySelector(":scope > article .comment-text");
      var actions = li.querySelector(":scope > article .comment-actions");
      if (!d.shown) {
        text.innerHTML = '<p class="deleted">[removed]</p>';
        if (actions) actions.remove();
        return;
      }
      fetch("/api/v1/comments/" + d.id, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (c) {
          text.innerHTML = c.body_html; // stored sanitised by the server
          var meta = li.querySelector(":scope > article .comment-meta p");
          if (c.edited_at && meta && !meta.querySelector(".edited")) {
            var ed = document.createElement("span");
            ed.className = "edited";
            ed.textContent = "(edited)";
            meta.appendChild(document.createTextNode(" "));
            meta.appendChild(ed);
          }
        })
        .catch(function () {});
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

  // The section bar on phones: the fade at its edge goes once the end is
  // in view.
  var bar = document.querySelector(".sections ul");
  if (bar) {
    var edge = function () { bar.classList.toggle("at-end", bar.scrollLeft + bar.clientWidth >= bar.scrollWidth - 4); };
    bar.addEventListener("scroll", edge, { passive: true });
    edge();
  }

  // Messages: said aloud by screen readers, wherever the page landed, and
  // dismissable. The notice itself stays in view at the top of the page.
  var announcer = document.createElement("div");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "assertive");
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 150);
  }
  var flashEl = document.querySelector(".flash[data-flash]");
  if (flashEl) {
    announce(flashEl.textContent);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "flash-close";
    close.setAttribute("aria-label", "Dismiss this message");
    close.textContent = "×";
    close.addEventListener("click", function () { flashEl.remove(); });
    flashEl.appendChild(close);
  }
  var firstError = document.querySelector(".form-error, .field-error");
  if (firstError) announce(firstError.textContent);

  // Passkeys: sign in, sign up and add one (WebAuthn). Each ceremony is a
  // begin and a finish POST; without passkeys in the browser the buttons
  // stay hidden and the password forms do the work.
  // Browsers keep passkeys for names, not IP addresses: a site opened as
  // 127.0.0.1 shows no passkey buttons rather than ones that cannot work.
  var ipHost = /^[0-9.]+$/.test(location.hostname) || location.hostname.indexOf(":") >= 0;
  var pk = !!(window.PublicKeyCredential && navigator.credentials) && !ipHost;
  document.querySelectorAll("[data-passkey]").forEach(function (el) { el.hidden = !pk; });
  document.querySelectorAll("[data-passkey-none]").forEach(function (el) { el.hidden = pk; });
  if (pk) {
    var b64 = {
      enc: function (buf) {
        var s = "", bytes = new Uint8Array(buf);
        for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
        return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      },
      dec: function (str) {
        var s = atob(str.replace(/-/g, "+").replace(/_/g, "/")), out = new Uint8Array(s.length);
        for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
        return out.buffer;
      }
    };
    var post = function (path, body) {
      return fetch(path, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (d) {
            if (!r.ok) throw new Error(d.error || "The site could not take this just now; please try again.");
            return d;
          });
        });
    };
    // The options as the browser wants them: byte strings as buffers.
    var ids = function (list) { return (list || []).map(function (c) { return Object.assign({}, c, { id: b64.dec(c.id) }); }); };
    var creationOptions = function (o) {
      var p = o.publicKey;
      return Object.assign({}, p, { challenge: b64.dec(p.challenge), user: Object.assign({}, p.user, { id: b64.dec(p.user.id) }), excludeCredentials: ids(p.excludeCredentials) });
    };
    var requestOptions = function (o) {
      return Object.assign({}, o.publicKey, { challenge: b64.dec(o.publicKey.challenge), allowCredentials: ids(o.publicKey.allowCredentials) });
    };
    var credentialJSON = function (c) {
      var r = c.response, out = { id: c.id, rawId: b64.enc(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment,
        clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}, response: { clientDataJSON: b64.enc(r.clientDataJSON) } };
      if (r.attestationObject) {
        out.response.attestationObject = b64.enc(r.attestationObject);
        if (r.getTransports) out.response.transports = r.getTransports();
      } else {
        out.response.authenticatorData = b64.enc(r.authenticatorData);
        out.response.signature = b64.enc(r.signature);
        if (r.userHandle) out.response.userHandle = b64.enc(r.userHandle);
      }
      return out;
    };
    // What went wrong, in words; nothing for a request the page withdrew.
    var why = function (err) {
      switch (err && err.name) {
        case "AbortError": return "";
        case "NotAllowedError": return "No passkey was used: the request was cancelled or timed out, or this device has no passkey for this site.";
        case "InvalidStateError": return "This device already holds a passkey for your account.";
        case "SecurityError": return "Passkeys cannot be used at this address of the site.";
        default: return (err && err.message) || "The passkey did not work; please try again.";
      }
    };
    var say = function (box, text, failed) {
      var st = box.querySelector("[data-passkey-status]");
      if (st) { st.textContent = text; st.classList.toggle("field-error", !!failed); }
      if (text) announce(text);
    };
    var go = function (d) { location.assign(d.redirect || "/"); };

    // Signing in: the button, and the browser's autofill (conditional
    // mediation) on the e-mail field.
    var loginBtn = document.querySelector("[data-passkey-login]");
    var remember = document.getElementById("login-remember");
    var pending = null;
    var signIn = function (mediation) {
      if (pending) pending.abort();
      var ctl = pending = new AbortController();
      var box = loginBtn.closest("[data-passkey]");
      // A ceremony lasts five minutes: autofill waiting longer asks anew.
      if (mediation) setTimeout(function () { if (pending === ctl) signIn(mediation); }, 4 * 60 * 1000);
      return post("/passkeys/login/begin", {})
        .then(function (b) {
          var ask = { publicKey: requestOptions(b.options), signal: ctl.signal };
          if (mediation) ask.mediation = mediation;
          return navigator.credentials.get(ask).then(function (c) {
            say(box, "Checking your passkey…");
            return post("/passkeys/login/finish", { ceremony: b.ceremony, credential: credentialJSON(c), return_to: loginBtn.dataset.return, remember: !!(remember && remember.checked) });
          });
        })
        .then(go, function (err) {
          // The autofill request fails quietly unless the site refused a
          // passkey the person picked: they asked nothing before that.
          if (mediation && (ctl !== pending || err.name !== "Error")) return;
          say(box, why(err), true);
        });
    };
    if (loginBtn) {
      loginBtn.addEventListener("click", function () { say(loginBtn.closest("[data-passkey]"), ""); signIn(); });
      var PKC = window.PublicKeyCredential;
      if (PKC.isConditionalMediationAvailable) {
        PKC.isConditionalMediationAvailable().then(function (yes) { if (yes) signIn("conditional"); }, function () {});
      }
    }

    // Signing up with a passkey alone, from the sign-up form's fields.
    var signupBtn = document.querySelector("[data-passkey-signup]");
    if (signupBtn) signupBtn.addEventListener("click", function () {
      var f = signupBtn.form, box = signupBtn.closest("[data-passkey]");
      say(box, "");
      var val = function (n) { var el = f.elements[n]; return el ? el.value : ""; };
      signupBtn.disabled = true;
      post("/passkeys/signup/begin", { email: val("email"), display_name: val("display_name"), country: val("country") })
        .then(function (b) {
          return navigator.credentials.create({ publicKey: creationOptions(b.options) }).then(function (c) {
            return post("/passkeys/signup/finish", { ceremony: b.ceremony, credential: credentialJSON(c), return_to: signupBtn.dataset.return });
          });
        })
        .then(go, function (err) { say(box, why(err), true); signupBtn.disabled = false; });
    });

    // Adding a passkey from the account page.
    var add = document.querySelector("form[data-passkey-add]");
    if (add) {
      var nameIn = add.elements.name;
      var plat = (navigator.userAgentData && navigator.userAgentData.platform) || (/iPhone|iPad/.test(navigator.userAgent) ? "iPhone" : /Android/.test(navigator.userAgent) ? "Android" : /Mac/.test(navigator.userAgent) ? "Mac" : /Win/.test(navigator.userAgent) ? "Windows" : /Linux/.test(navigator.userAgent) ? "Linux" : "");
      if (plat && !nameIn.value) nameIn.value = "Passkey on " + plat;
      add.addEventListener("submit", function (e) {
        e.preventDefault();
        say(add, "");
        var btn = add.querySelector("button");
        btn.disabled = true;
        post("/passkeys/register/begin", {})
          .then(function (b) {
            return navigator.credentials.create({ publicKey: creationOptions(b.options) }).then(function (c) {
              return post("/passkeys/register/finish", { ceremony: b.ceremony, name: nameIn.value, credential: credentialJSON(c) });
            });
          })
          .then(function (d) { location.assign(d.redirect); location.reload(); }, function (err) { say(add, why(err), true); btn.disabled = false; });
      });
    }
  }

  // The comment box: a Markdown toolbar, a live count against the limit
  // (the server refuses longer text with a message; nothing is cut), and a
  // preview drawn by the server's own renderer.
  var marks = [
    ["Bold", "**", "**", "B"], ["Italic", "*", "*", "I"], ["Link", "[", "](https://)", "Link"],
    ["Quote", "> ", "", "❝"], ["Code", "`", "`", "</>"]
  ];
  document.querySelectorAll(".comment-editor textarea[data-max]").forEach(function (ta) {
    var max = +ta.dataset.max;
    var bar = document.createElement("div");
    bar.className = "md-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", ta.id);
    marks.forEach(function (m) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = m[3];
      btn.title = m[0];
      btn.setAttribute("aria-label", m[0]);
      btn.addEventListener("click", function () {
        var a = ta.selectionStart, z = ta.selectionEnd, v = ta.value;
        var sel = v.slice(a, z) || (m[0] === "Link" ? "link text" : "");
        ta.value = v.slice(0, a) + m[1] + sel + m[2] + v.slice(z);
        ta.focus();
        ta.setSelectionRange(a + m[1].length, a + m[1].length + sel.length);
        count();
      });
      bar.appendChild(btn);
    });
    ta.parentNode.insertBefore(bar, ta);
    var counter = document.querySelector('[data-counter-for="' + ta.id + '"]');
    function count() {
      if (!counter) return;
      var n = Array.from(ta.value.trim()).length;
      counter.textContent = n.toLocaleString("en-US") + " / " + max.toLocaleString("en-US") + " characters" + (n > max ? ": " + (n - max).toLocaleString("en-US") + " too many" : "");
      counter.classList.toggle("over", n > max);
    }
    ta.addEventListener("input", count);
    count();
    var f = ta.form;
    var pv = document.querySelector('[data-preview-for="' + ta.id + '"]');
    var pbtn = f && f.querySelector("button[data-preview]");
    if (pbtn && pv) {
      pbtn.addEventListener("click", function (e) {
        e.preventDefault();
        fetch("/comments/preview", { method: "POST", body: new URLSearchParams({ body: ta.value }), headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (res) {
            pv.hidden = false;
            pv.innerHTML = '<p class="preview-label">Preview</p><div class="comment-text"></div>';
            var box = pv.querySelector(".comment-text");
            if (res.error) {
              box.innerHTML = '<p class="field-error"></p>';
              box.firstChild.textContent = res.error;
            } else {
              box.innerHTML = res.html; // rendered and sanitised by the server
            }
          })
          .catch(function () { f.requestSubmit(pbtn); });
      });
    }
    if (f) f.addEventListener("submit", function (e) {
      if (e.submitter && e.submitter.hasAttribute("data-preview")) return;
      var post = f.querySelector('button[type=submit]:not([data-preview])');
      if (post) setTimeout(function () { post.disabled = true; }, 0);
    });
  });

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
