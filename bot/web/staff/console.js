/*
 * Staff console (served at /staff by bot/staff/web.py). Plain JavaScript.
 * The queue and the open conversation update live over socket.io (namespace
 * /staff, authenticated by the session cookie). Actions are POSTs with the
 * session's CSRF token. Text is only ever written with textContent.
 */
(function () {
  "use strict";

  var CSRF = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var queueList = document.getElementById("queue");
  var queueEmpty = document.getElementById("queue-empty");
  var alerts = document.getElementById("alerts");
  var liveStatus = document.getElementById("live-status");
  var convTitle = document.getElementById("conv-title");
  var convMeta = document.getElementById("conv-meta");
  var transcript = document.getElementById("transcript");
  var takeBtn = document.getElementById("take");
  var backBtn = document.getElementById("handback");
  var note = document.getElementById("action-note");
  var composer = document.getElementById("composer");
  var reply = document.getElementById("reply");
  var soundBtn = document.getElementById("sound");

  var me = null;
  var items = {};          // conversation id -> queue row
  var openId = null;       // the conversation shown on the right
  var soundOn = true;
  var stats = { alerts: 0, beeps: 0, crisisAlerts: 0 };
  window.__staffConsole = stats;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "text") { node.textContent = v; } else if (k === "className") { node.className = v; } else { node.setAttribute(k, v); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = CSRF;
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch("/staff/api" + path, options).then(function (r) {
      if (r.status === 401) { window.location.href = "/staff/login"; throw new Error("logged out"); }
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.error || ("error " + r.status)); }
        return data;
      });
    });
  }

  // ------------------------------------------------------------ alerts ---
  var audio = null;
  function beep(urgent) {
    if (!soundOn) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { audio.resume(); }
      var times = urgent ? [0, 0.25, 0.5] : [0];
      times.forEach(function (t) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = urgent ? 880 : 660;
        gain.gain.setValueAtTime(0.2, audio.currentTime + t);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + t + 0.2);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + t); osc.stop(audio.currentTime + t + 0.2);
      });
      stats.beeps += 1;
    } catch (e) { /* no audio device: the visible alert stays */ }
  }
  function showAlert(item) {
    var crisis = item.alert === "crisis";
    stats.alerts += 1;
    if (crisis) { stats.crisisAlerts += 1; }
    var text = crisis ? "Crisis language in a " + channelName(item.channel) + " conversation."
                      : "Someone asked for a person (" + channelName(item.channel) + ").";
    var open = el("button", { type: "button", className: "primary", text: "Open it" });
    var dismiss = el("button", { type: "button", className: "secondary", text: "Dismiss" });
    var box = el("div", { className: "alert " + (crisis ? "alert-crisis" : "alert-handoff"),
                          "data-conversation": item.conversation_id },
                 [el("strong", { text: crisis ? "Crisis alert" : "Person requested" }),
                  el("span", { text: " " + text + " " }), open, dismiss]);
    open.addEventListener("click", function () { box.remove(); select(item.conversation_id); });
    dismiss.addEventListener("click", function () { box.remove(); });
    alerts.appendChild(box);
    beep(crisis);
  }
  // Browsers start audio only after a click on the page: the first click anywhere enables it.
  document.addEventListener("click", function () {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { audio.resume(); }
    } catch (e) { /* no audio */ }
  }, { once: true });
  soundBtn.addEventListener("click", function () {
    soundOn = !soundOn;
    soundBtn.setAttribute("aria-pressed", String(soundOn));
    soundBtn.textContent = soundOn ? "Sound on" : "Sound off";
    if (soundOn) { beep(false); }
  });

  // ------------------------------------------------------------- queue ---
  function channelName(channel) {
    return { socketio: "website chat", rest: "REST", slack: "Slack", facebook: "Messenger",
             telegram: "Telegram", twilio: "SMS" }[channel] || (channel || "unknown channel");
  }
  function ago(seconds) {
    if (!seconds) { return "no messages yet"; }
    var d = Math.max(0, Date.now() / 1000 - seconds);
    if (d < 60) { return "just now"; }
    if (d < 3600) { return Math.floor(d / 60) + " min ago"; }
    if (d < 86400) { return Math.floor(d / 3600) + " h ago"; }
    return new Date(seconds * 1000).toLocaleString();
  }
  function stateLabel(item) {
    if (item.state === "taken") { return "Taken by " + (item.taken_by_name || item.taken_by); }
    if (item.state === "waiting") { return item.no_answer_sent ? "Waiting (told no one is free)" : "Waiting for a person"; }
    if (item.requested_at) { return "Asked for a person (call back)"; }
    return "With the assistant";
  }
  function rank(item) {
    var crisis = item.crisis && item.state !== "taken" ? 0 : 1;
    var state = { waiting: 0, taken: 1, bot: 2 }[item.state];
    return [crisis, state === undefined ? 3 : state, -(item.last_message_at || 0)];
  }
  function compare(a, b) {
    var ra = rank(a), rb = rank(b);
    for (var i = 0; i < ra.length; i++) { if (ra[i] !== rb[i]) { return ra[i] - rb[i]; } }
    return 0;
  }
  function renderQueue() {
    var list = Object.keys(items).map(function (k) { return items[k]; }).sort(compare);
    while (queueList.firstChild) { queueList.removeChild(queueList.firstChild); }
    list.forEach(function (item) {
      var tags = [];
      if (item.crisis) { tags.push(el("span", { className: "tag tag-crisis", text: "Crisis" })); }
      tags.push(el("span", { className: "tag tag-" + item.state, text: stateLabel(item) }));
      var btn = el("button", { type: "button", className: "item" + (item.conversation_id === openId ? " current" : ""),
                               "aria-current": item.conversation_id === openId ? "true" : null,
                               "data-conversation": item.conversation_id },
                   [el("span", { className: "tags" }, tags),
                    el("span", { className: "line", text: channelName(item.channel) + (item.country ? " · " + item.country : "") +
                                 " · last message " + ago(item.last_message_at) }),
                    el("span", { className: "id", text: "Conversation " + item.conversation_id.slice(0, 8) })]);
      btn.addEventListener("click", function () { select(item.conversation_id); });
      queueList.appendChild(el("li", { className: item.crisis ? "crisis" : "" }, [btn]));
    });
    queueEmpty.hidden = list.length > 0;
  }
  function upsert(item) {
    items[item.conversation_id] = item;
    renderQueue();
    if (item.conversation_id === openId) { renderMeta(item); }
  }
  function loadQueue() {
    return api("GET", "/queue").then(function (data) {
      items = {};
      data.items.forEach(function (item) { items[item.conversation_id] = item; });
      renderQueue();
    });
  }
  setInterval(renderQueue, 30000);

  // ------------------------------------------------------ conversation ---
  function line(kind, text, who, extra) {
    var label = { user: "Patient", bot: "Assistant", staff: who || "Staff", event: "" }[kind];
    var node = el("li", { className: "entry entry-" + kind },
                  [label ? el("span", { className: "who", text: label + ":" }) : null,
                   el("span", { className: "text", text: text })]);
    if (extra) { node.appendChild(el("span", { className: "extra", text: extra })); }
    transcript.appendChild(node);
    transcript.scrollTop = transcript.scrollHeight;
  }
  function describeEvent(name) {
    return { pause: "The assistant was paused (a person took over).",
             resume: "The assistant was resumed.",
             session_started: "New session." }[name] || name;
  }
  function renderEntry(entry) {
    if (entry.kind === "user") {
      var extra = entry.intent ? "understood as " + entry.intent +
        (typeof entry.confidence === "number" ? " (" + Math.round(entry.confidence * 100) + "%)" : "") : null;
      line("user", entry.text, null, extra);
    } else if (entry.kind === "staff") {
      line("staff", entry.text, entry.staff && entry.staff.name);
    } else if (entry.kind === "bot") {
      line("bot", entry.text);
    } else if (entry.kind === "event") {
      line("event", describeEvent(entry.event));
    }
  }
  function renderMeta(item) {
    convMeta.textContent = channelName(item.channel) + (item.country ? " · " + item.country : "") +
      " · " + stateLabel(item) + (item.crisis ? " · crisis flagged" : "");
    var mine = item.state === "taken" && me && item.taken_by === me.username;
    takeBtn.hidden = item.state === "taken" || !item.live;
    backBtn.hidden = !(item.state === "taken" && (mine || (me && me.role === "admin")));
    composer.hidden = !mine;
    if (!item.live) { note.textContent = "This channel can't get live replies: call or e-mail the patient."; }
  }
  function select(id) {
    openId = id;
    note.textContent = "";
    while (transcript.firstChild) { transcript.removeChild(transcript.firstChild); }
    renderQueue();
    return api("GET", "/conversations/" + encodeURIComponent(id)).then(function (data) {
      if (openId !== id) { return; }
      convTitle.textContent = "Conversation " + id.slice(0, 8);
      items[id] = data.conversation;
      renderMeta(data.conversation);
      data.events.forEach(renderEntry);
      if (socket) { socket.emit("watch", { conversation_id: id }); }
      renderQueue();
    }).catch(function (e) { note.textContent = e.message; });
  }
  function act(path, body) {
    note.textContent = "";
    return api("POST", "/conversations/" + encodeURIComponent(openId) + path, body).then(function (data) {
      upsert(data.conversation);
      if (data.conversation.delivered === false) {
        note.textContent = "Saved in the conversation, but the patient's app did not accept it.";
      }
      return data;
    }).catch(function (e) { note.textContent = e.message; throw e; });
  }
  takeBtn.addEventListener("click", function () {
    act("/take").then(function () { reply.focus(); }).catch(function () {});
  });
  backBtn.addEventListener("click", function () {
    act("/handback").then(function () { note.textContent = "Handed back to the assistant."; }).catch(function () {});
  });
  composer.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = reply.value.trim();
    if (!text) { reply.focus(); return; }
    act("/messages", { text: text }).then(function () { reply.value = ""; reply.focus(); }).catch(function () {});
  });
  reply.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (composer.requestSubmit) { composer.requestSubmit(); }
    }
  });

  // -------------------------------------------------------------- live ---
  var socket = null;
  function connect() {
    if (typeof window.io !== "function") { liveStatus.textContent = "Live updates unavailable"; return; }
    socket = window.io("/staff", { path: "/socket.io", transports: ["websocket", "polling"],
                                   withCredentials: true });
    socket.on("connect", function () {
      liveStatus.textContent = "Live";
      liveStatus.className = "live on";
      loadQueue();
      if (openId) { socket.emit("watch", { conversation_id: openId }); }
    });
    socket.on("disconnect", function () { liveStatus.textContent = "Reconnecting…"; liveStatus.className = "live off"; });
    socket.on("connect_error", function () { liveStatus.textContent = "Not connected"; liveStatus.className = "live off"; });
    socket.on("queue_item", function (item) {
      if (!item || typeof item.conversation_id !== "string") { return; }
      upsert(item);
      if (item.alert) { showAlert(item); }
    });
    socket.on("conversation_event", function (event) {
      if (!event || event.conversation_id !== openId) { return; }
      if (event.kind === "turn") {
        if (event.user) { renderEntry({ kind: "user", text: event.user.text, intent: event.user.intent,
                                        confidence: event.user.confidence }); }
        (event.replies || []).forEach(function (r) {
          renderEntry({ kind: r.staff && r.staff.kind !== "status" ? "staff" : "bot", text: r.text, staff: r.staff });
        });
      } else if (event.kind === "staff") {
        renderEntry({ kind: "staff", text: event.text, staff: event.staff });
      }
    });
  }

  api("GET", "/me").then(function (data) {
    me = data;
    return loadQueue();
  }).then(function () {
    connect();
    // /staff#<conversation id>: opened from the review page
    var wanted = decodeURIComponent(window.location.hash.slice(1));
    if (wanted) { select(wanted); }
  }).catch(function (e) { note.textContent = e.message; });
})();
