/* Review page (bot/staff/web.py): search, the "needs review" list with an intent picker. */
(function () {
  "use strict";
  var CSRF = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var form = document.getElementById("search");
  var results = document.getElementById("results");
  var searchStatus = document.getElementById("search-status");
  var needs = document.getElementById("needs");
  var needsStatus = document.getElementById("needs-status");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "className") { node.className = attrs[k]; } else if (attrs[k] !== null) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function get(path) {
    return fetch("/staff/api" + path, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { window.location.href = "/staff/login"; throw new Error("logged out"); }
      return r.json().then(function (d) { if (!r.ok) { throw new Error(d.error || r.status); } return d; });
    });
  }
  function when(seconds) { return new Date(seconds * 1000).toLocaleString(); }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form), params = new URLSearchParams();
    ["since", "until", "topic"].forEach(function (k) { if (data.get(k)) { params.set(k, data.get(k)); } });
    var flags = data.getAll("flags");
    if (flags.length) { params.set("flags", flags.join(",")); }
    get("/review/search?" + params.toString()).then(function (d) {
      while (results.firstChild) { results.removeChild(results.firstChild); }
      d.conversations.forEach(function (c) {
        results.appendChild(el("li", {}, [
          el("a", { href: "/staff#" + encodeURIComponent(c.conversation_id),
                    text: "Conversation " + c.conversation_id.slice(0, 8) }),
          el("span", { text: " · " + (c.channel || "") + " · " + c.turns + " message(s) · last " + when(c.last_at) })]));
      });
      searchStatus.textContent = d.conversations.length + " conversation(s) found.";
    }).catch(function (err) { searchStatus.textContent = err.message; });
  });

  function loadNeeds() {
    get("/review/needs").then(function (d) {
      while (needs.firstChild) { needs.removeChild(needs.firstChild); }
      d.items.forEach(function (item) {
        var id = "pick-" + item.id;
        var select = el("select", { id: id });
        select.appendChild(el("option", { value: "", text: "Choose…" }));
        d.choices.forEach(function (c) { select.appendChild(el("option", { value: c, text: c })); });
        var save = el("button", { type: "button", className: "primary", text: "Save" });
        var chose = (item.topic || item.intent || "nothing") +
          (typeof item.confidence === "number" ? " (" + Math.round(item.confidence * 100) + "%)" : "");
        var li = el("li", { className: "need", "data-id": String(item.id) }, [
          el("p", { className: "said", text: item.text }),
          el("p", { className: "meta", text: (item.fallback ? "Fell back. " : "") + "The assistant chose " + chose + " · " + when(item.at) }),
          el("label", { for: id, text: "What the person meant " }), select, save]);
        save.addEventListener("click", function () {
          if (!select.value) { select.focus(); return; }
          fetch("/staff/api/review/" + item.id + "/label", {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
            body: JSON.stringify({ intent: select.value })
          }).then(function (r) { return r.json().then(function (d2) { if (!r.ok) { throw new Error(d2.error); } }); })
            .then(function () { li.remove(); needsStatus.textContent = "Saved as " + select.value + "."; })
            .catch(function (err) { needsStatus.textContent = err.message; });
        });
        needs.appendChild(li);
      });
      if (!d.items.length) { needsStatus.textContent = "Nothing to review."; }
    }).catch(function (err) { needsStatus.textContent = err.message; });
  }
  loadNeeds();
})();
