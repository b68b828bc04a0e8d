/*
 * TMS assistant chat widget. Embed with one tag:
 *
 *   <script src="https://HOST/webhooks/webchat/widget.js" data-server="https://HOST"
 *           data-clinic-name="Example TMS Clinic" data-primary-color="#1d5c63"
 *           data-country="US" data-lang="en" defer></script>
 *
 * Plain JavaScript, no framework. It loads its stylesheet and the socket.io
 * client from the same server, talks to Rasa's socket.io channel
 * (bot/channels/webchat.py) and keeps the conversation in localStorage so it
 * survives reloads and network drops. Bot and user text is only ever written
 * with textContent; links, bold and line breaks are built as DOM nodes.
 */
(function () {
  "use strict";

  if (window.__tmsWebchat) { return; }

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='widget.js']");
    return all[all.length - 1];
  })();
  if (!script) { return; }
  var data = script.dataset || {};
  var scriptUrl = new URL(script.src, window.location.href);
  var SERVER = String(data.server || scriptUrl.origin).replace(/\/+$/, "");
  var BASE = SERVER + "/webhooks/webchat";
  var COUNTRY = String(data.country || "").trim().toUpperCase().slice(0, 8);
  var LANG = String(data.lang || document.documentElement.lang || "en").toLowerCase().slice(0, 2);
  var SOCKET_PATH = data.socketPath || "/socket.io";
  var STORE_KEY = "tmsWebchat:v1:" + SERVER;
  var MAX_HISTORY = 150;
  var MAX_CHARS = 2000;
  var ACK_TIMEOUT_MS = 60000;
  var BANNER_DELAY_MS = 1500;

  var STRINGS = {
    en: {
      launcher: "Questions about TMS?",
      launcherLabel: "Questions about TMS? Chat with the {clinic} assistant",
      unread: "{n} new",
      title: "{clinic}",
      subtitle: "Automated assistant \u00b7 not a clinician",
      dialogLabel: "Chat with the {clinic} assistant",
      handoff: "Talk to a person",
      close: "Close chat",
      crisisFallback: "In crisis? Call your local emergency number.",
      call: "Call",
      text: "Text",
      log: "Conversation",
      you: "You said:",
      bot: "Assistant said:",
      typing: "The assistant is typing\u2026",
      inputLabel: "Your message",
      placeholder: "Type your question\u2026",
      send: "Send",
      clear: "Clear chat",
      clearConfirm: "Clear this conversation from this device? This can't be undone.",
      offline: "You're offline. We'll send your messages when the connection is back.",
      reconnecting: "Connection lost. Reconnecting\u2026",
      connecting: "Can't reach the assistant right now. Trying again\u2026",
      queued: "Not sent yet \u2014 it will be sent when the connection is back.",
      failed: "The assistant couldn't answer that. Please try again, or contact the clinic.",
      slow: "This is taking longer than usual. If you need help now, please call the clinic.",
      unavailable: "The chat isn't available right now.",
      unavailablePhone: "The chat isn't available right now. You can call the clinic on {phone}.",
      newTab: "(opens in a new tab)",
      suggestions: "Suggested replies",
      crisisCard: "Crisis support",
      privacy: "Don't share personal details. Not for emergencies.",
      staffSaid: "{name} from the clinic said:",
      staffHere: "You're chatting with {name} from the clinic"
    }
  };
  var T = STRINGS[LANG] || STRINGS.en;
  function t(key, vars) {
    var s = T[key] || STRINGS.en[key] || key;
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(vars[k]); });
    return s;
  }

  // ------------------------------------------------------------ storage ---
  var memoryStore = null;  // when localStorage is unavailable (privacy modes)
  function freshState() {
    return { sessionId: null, sessionToken: null, messages: [], outbox: [], botCount: 0,
             greeted: false, open: false, draft: "" };
  }
  function loadState() {
    var raw = null;
    try { raw = window.localStorage.getItem(STORE_KEY); } catch (e) { raw = memoryStore; }
    if (!raw) { return freshState(); }
    try {
      var s = JSON.parse(raw);
      var base = freshState();
      Object.keys(base).forEach(function (k) { if (!(k in s)) { s[k] = base[k]; } });
      if (!Array.isArray(s.messages)) { s.messages = []; }
      if (!Array.isArray(s.outbox)) { s.outbox = []; }
      return s;
    } catch (e) { return freshState(); }
  }
  function saveState() {
    if (state.messages.length > MAX_HISTORY) {
      state.messages = state.messages.slice(state.messages.length - MAX_HISTORY);
    }
    var raw = JSON.stringify(state);
    try { window.localStorage.setItem(STORE_KEY, raw); } catch (e) { memoryStore = raw; }
  }
  var state = loadState();

  function uid() {
    if (window.crypto && window.crypto.getRandomValues) {
      var a = new Uint8Array(12);
      window.crypto.getRandomValues(a);
      return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // ------------------------------------------------------------- colours ---
  function parseHex(hex) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || "").trim());
    if (!m) { return null; }
    var h = m[1].length === 3 ? m[1].replace(/(.)/g, "$1$1") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.slice(i, i + 2), 16); });
  }
  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function toHex(rgb) {
    return "#" + rgb.map(function (v) { return ("0" + Math.round(v).toString(16)).slice(-2); }).join("");
  }
  /* The widget's colours from data-primary-color, adjusted so text stays at
     4.5:1 or better whatever colour a clinic picks. */
  function palette(primaryHex) {
    var primary = parseHex(primaryHex) || parseHex("#1d5c63");
    var white = [255, 255, 255], ink = [31, 41, 51], tint = [238, 243, 244];
    // Primary as a background: darken until white text reads at 4.5:1 (or use dark ink).
    var bg = primary.slice(), i;
    for (i = 0; i < 20 && contrast(bg, white) < 4.5; i++) {
      bg = bg.map(function (v) { return v * 0.9; });
    }
    var onBg = contrast(bg, white) >= 4.5 ? white : ink;
    // Primary as text or border on light backgrounds (panel, bubbles).
    var fg = primary.slice();
    for (i = 0; i < 30 && contrast(fg, tint) < 4.5; i++) {
      fg = fg.map(function (v) { return v * 0.9; });
    }
    return { "--tms-primary": toHex(bg), "--tms-on-primary": toHex(onBg), "--tms-primary-text": toHex(fg) };
  }

  // ----------------------------------------------------------------- DOM ---
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "text") { node.textContent = v; } else if (k === "className") { node.className = v; } else { node.setAttribute(k, v === true ? "" : v); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(paths, size) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size || 24));
    svg.setAttribute("height", String(size || 24));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(SVG_NS, "path");
      p.setAttribute("d", d);
      svg.appendChild(p);
    });
    return svg;
  }
  var ICON_CHAT = ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"];
  var ICON_DOWN = ["M6 9l6 6 6-6"];
  var ICON_CLOSE = ["M6 6l12 12", "M18 6L6 18"];
  var ICON_SEND = ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"];

  var clinicName = String(data.clinicName || "").trim();
  var host = el("div", { id: "tms-webchat", "data-tms-webchat": "" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  host.hidden = true;  // until the stylesheet has loaded: no flash of unstyled content

  var styleLink = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });
  var wrap = el("div", { className: "tms", lang: LANG });
  var colours = palette(data.primaryColor);
  Object.keys(colours).forEach(function (k) { wrap.style.setProperty(k, colours[k]); });

  var launcherText = el("span", { className: "launcher-text", text: t("launcher") });
  var launcherBadge = el("span", { className: "badge", hidden: true });
  var launcher = el("button", { type: "button", className: "launcher", "aria-expanded": "false",
                                "aria-controls": "tms-panel" },
                    [el("span", { className: "launcher-icon open-icon" }, [icon(ICON_CHAT)]),
                     el("span", { className: "launcher-icon close-icon" }, [icon(ICON_DOWN)]),
                     launcherText, launcherBadge]);

  var title = el("h2", { id: "tms-title", className: "title" });
  var subtitle = el("p", { id: "tms-subtitle", className: "subtitle", text: t("subtitle") });
  var handoffBtn = el("button", { type: "button", className: "handoff", text: t("handoff") });
  var closeBtn = el("button", { type: "button", className: "icon-btn close", "aria-label": t("close") },
                    [icon(ICON_CLOSE)]);
  var header = el("div", { className: "header" },
                  [el("div", { className: "header-top" }, [title, closeBtn]),
                   el("div", { className: "header-bottom" }, [subtitle, handoffBtn])]);

  var crisisText = el("span", { className: "crisis-text", text: t("crisisFallback") });
  var crisisCall = el("a", { className: "crisis-link", hidden: true, text: t("call") });
  var crisisSms = el("a", { className: "crisis-link", hidden: true, text: t("text") });
  var crisisLine = el("div", { className: "crisis-line" }, [crisisText, crisisCall, crisisSms]);

  var banner = el("div", { className: "banner", role: "status" });
  var log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                        "aria-label": t("log"), tabindex: "0" });
  var typingText = el("span", { className: "typing-text" });
  var typing = el("div", { className: "typing", role: "status" },
                  [el("span", { className: "dots", "aria-hidden": "true" },
                      [el("span"), el("span"), el("span")]), typingText]);
  var input = el("textarea", { id: "tms-input", className: "input", rows: "1", maxlength: String(MAX_CHARS),
                               placeholder: t("placeholder"), autocomplete: "off", enterkeyhint: "send" });
  var sendBtn = el("button", { type: "submit", className: "icon-btn send", "aria-label": t("send") },
                   [icon(ICON_SEND)]);
  var form = el("form", { className: "composer" },
                [el("label", { className: "sr-only", for: "tms-input", text: t("inputLabel") }), input, sendBtn]);
  var clearBtn = el("button", { type: "button", className: "text-btn clear", text: t("clear") });
  var footer = el("div", { className: "footer" },
                  [el("span", { className: "privacy", text: t("privacy") }), clearBtn]);
  var panel = el("section", { id: "tms-panel", className: "panel", role: "dialog",
                              "aria-labelledby": "tms-title", "aria-describedby": "tms-subtitle", hidden: true },
                 [header, crisisLine, banner, log, typing, form, footer]);
  wrap.appendChild(panel);
  wrap.appendChild(launcher);
  root.appendChild(styleLink);
  root.appendChild(wrap);

  function setClinicName(name) {
    clinicName = name || clinicName || "Clinic";
    title.textContent = t("title", { clinic: clinicName });
    launcher.setAttribute("aria-label", launcherLabel());
  }
  function launcherLabel() {
    var label = t("launcherLabel", { clinic: clinicName });
    if (unread > 0) { label += " (" + t("unread", { n: String(unread) }) + ")"; }
    return label;
  }

  // --------------------------------------------------------- rich text ---
  var TOKEN = /(\*\*([^*\n]+)\*\*)|(https?:\/\/[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
  function appendInline(parent, text) {
    var last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      var start = m.index, whole = m[0], tail = "";
      if (m[3]) {  // a URL: leave trailing punctuation outside the link
        var trimmed = whole.replace(/[.,;:!?)\]}'"]+$/, "");
        tail = whole.slice(trimmed.length);
        whole = trimmed;
      }
      if (start > last) { parent.appendChild(document.createTextNode(text.slice(last, start))); }
      if (m[1]) {
        parent.appendChild(el("strong", { text: m[2] }));
      } else if (m[3]) {
        parent.appendChild(safeLink(whole, whole));
      } else {
        parent.appendChild(el("a", { href: "mailto:" + whole, text: whole }));
      }
      if (tail) { parent.appendChild(document.createTextNode(tail)); }
      last = start + m[0].length;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }
  function safeLink(href, label) {
    var url;
    try { url = new URL(href); } catch (e) { return document.createTextNode(label); }
    if (url.protocol !== "https:" && url.protocol !== "http:") { return document.createTextNode(label); }
    return el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" },
              [document.createTextNode(label), el("span", { className: "sr-only", text: " " + t("newTab") })]);
  }
  function renderRich(container, text) {
    String(text || "").split(/\n{2,}/).forEach(function (para) {
      if (!para.trim()) { return; }
      // A "Source: ..." line is shown apart from the answer, small and muted.
      var p = null;
      para.split("\n").forEach(function (line) {
        var isSource = /^\s*Sources?:/.test(line);
        if (!p || isSource || p.className === "source") {
          p = el("p", { className: isSource ? "source" : null });
          container.appendChild(p);
        } else {
          p.appendChild(el("br"));
        }
        appendInline(p, line);
      });
    });
  }

  // ---------------------------------------------------------- messages ---
  function isLink(payload) { return /^(tel|sms):/i.test(payload || ""); }
  function isCrisisKind(msg) {
    if (msg.crisis === "alert" || msg.crisis === "support") { return msg.crisis; }
    if (msg.crisis === undefined && (msg.buttons || []).some(function (b) { return isLink(b.payload); })) {
      return "alert";  // a server that doesn't mark crisis replies: tel:/sms: links mean crisis
    }
    return null;
  }
  function linkHref(payload) {
    var m = /^(tel|sms):([+0-9 ()-]{1,32})$/i.exec(String(payload || "").trim());
    return m ? m[1].toLowerCase() + ":" + m[2].replace(/[^0-9+]/g, "") : null;
  }

  /* Staff console (bot/staff): lines from a person at the clinic. */
  function staffMarker(staff) {
    if (!staff || typeof staff !== "object" || ["join", "message", "leave"].indexOf(staff.kind) < 0) { return null; }
    return { kind: staff.kind, name: String(staff.name || "").slice(0, 64),
             clinic: String(staff.clinic || clinicName || "").slice(0, 120) };
  }
  function renderStaff(msg) {
    if (msg.staff.kind !== "message") {
      return el("div", { className: "msg system" }, [el("p", { text: msg.text })]);
    }
    var who = msg.staff.name + (msg.staff.clinic ? " \u00b7 " + msg.staff.clinic : "");
    return el("div", { className: "msg bot staff" },
              [el("span", { className: "sr-only", text: t("staffSaid", { name: msg.staff.name }) + " " }),
               el("div", { className: "who", "aria-hidden": "true", text: who }),
               el("div", { className: "bubble", text: msg.text })]);
  }
  function updateStaffStatus() {
    var last = null;
    state.messages.forEach(function (m) { if (m.staff && m.staff.kind !== "message") { last = m.staff; } });
    subtitle.textContent = last && last.kind === "join" ? t("staffHere", { name: last.name }) : t("subtitle");
  }

  var nodes = {};  // message id -> element
  function renderMessage(msg, live) {
    var node;
    if (msg.staff && msg.role === "bot" && !(msg.staff.kind !== "message" && (msg.buttons || []).length)) {
      node = renderStaff(msg);  // a line with crisis buttons is shown as the bot's card instead
    } else if (msg.role === "user") {
      node = el("div", { className: "msg user" },
                [el("span", { className: "sr-only", text: t("you") + " " }),
                 el("div", { className: "bubble", text: msg.text }),
                 el("div", { className: "meta", "aria-live": "off" })]);
    } else {
      var kind = isCrisisKind(msg);
      var bubble = el("div", { className: "bubble" });
      renderRich(bubble, msg.text);
      node = el("div", { className: "msg bot" + (kind ? " crisis crisis-" + kind : "") },
                [el("span", { className: "sr-only", text: t("bot") + " " }), bubble]);
      if (kind === "alert") {
        // A live crisis reply is announced at once; from history it is a labelled group.
        node.setAttribute("role", live ? "alert" : "group");
        node.setAttribute("aria-label", t("crisisCard"));
      }
      var buttons = msg.buttons || [];
      var links = buttons.filter(function (b) { return linkHref(b.payload); });
      var replies = buttons.filter(function (b) { return !isLink(b.payload); });
      if (links.length) {
        var linkRow = el("div", { className: "links" }, links.map(function (b) {
          return el("a", { className: "chip link" + (kind === "alert" ? " strong" : kind ? " soft" : ""),
                           href: linkHref(b.payload),
                           text: b.title || b.payload });
        }));
        // In a crisis card the links are part of the card.
        (kind ? bubble : node).appendChild(linkRow);
      }
      if (replies.length) {
        var group = el("div", { className: "replies", role: "group", "aria-label": t("suggestions") });
        replies.forEach(function (b) {
          var payload = String(b.payload || "");
          if (/^https?:\/\//i.test(payload)) {
            var a = safeLink(payload, b.title || payload);
            if (a.nodeType === 1) { a.className = "chip"; }
            group.appendChild(a);
            return;
          }
          var btn = el("button", { type: "button", className: "chip", text: b.title || payload });
          btn.addEventListener("click", function () {
            send(payload, b.title || payload);
            focusInput();
          });
          group.appendChild(btn);
        });
        node.appendChild(group);
      }
    }
    node.setAttribute("data-id", msg.id);
    node.setAttribute("data-role", msg.role);
    nodes[msg.id] = node;
    return node;
  }
  function updateMeta(msg) {
    var node = nodes[msg.id];
    if (!node || msg.role !== "user") { return; }
    var meta = node.querySelector(".meta");
    var queued = state.outbox.some(function (o) { return o.id === msg.id; }) && !isOnline();
    meta.textContent = queued ? t("queued") : "";
    node.classList.toggle("queued", queued);
  }
  /* Quick replies only under the bot messages after the user's last message. */
  function pruneReplies() {
    var lastUser = -1;
    state.messages.forEach(function (m, i) { if (m.role === "user") { lastUser = i; } });
    state.messages.forEach(function (m, i) {
      var node = nodes[m.id];
      if (!node) { return; }
      var group = node.querySelector(".replies");
      if (group && i < lastUser) { group.parentNode.removeChild(group); }
    });
  }
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  /* After the user's last message, show it and the assistant's answer from the
     start: long answers are read from the top, not from the bottom. */
  function scrollToTurn() {
    var lastUser = null;
    for (var i = state.messages.length - 1; i >= 0; i--) {
      if (state.messages[i].role === "user") { lastUser = state.messages[i]; break; }
    }
    var node = nodes[(lastUser || state.messages[0] || {}).id];
    if (!node) { scrollToEnd(); return; }
    var top = node.offsetTop - log.offsetTop - 12;
    log.scrollTop = Math.min(top, log.scrollHeight - log.clientHeight);
  }
  function renderAll() {
    while (log.firstChild) { log.removeChild(log.firstChild); }
    nodes = {};
    state.messages.forEach(function (m) { log.appendChild(renderMessage(m, false)); updateMeta(m); });
    pruneReplies();
    updateStaffStatus();
    scrollToTurn();
  }
  function addMessage(msg, live) {
    if (state.messages.some(function (m) { return m.id === msg.id; })) { return false; }
    state.messages.push(msg);
    saveState();
    log.appendChild(renderMessage(msg, live));
    updateMeta(msg);
    pruneReplies();
    if (msg.staff) { updateStaffStatus(); }
    if (msg.role === "user" || msg.staff) { scrollToEnd(); } else { scrollToTurn(); }
    return true;
  }

  function onBotMessage(payload) {
    if (!payload || typeof payload !== "object") { return; }
    var buttons = (payload.quick_replies || payload.buttons || []).filter(function (b) {
      return b && typeof b === "object";
    }).map(function (b) { return { title: String(b.title || ""), payload: String(b.payload || "") }; });
    var text = typeof payload.text === "string" ? payload.text : "";
    if (!text && !buttons.length) { return; }
    // Our channel marks crisis replies and sends ids: null means "not a crisis reply".
    // Without an id it is a plain Rasa socket.io server: undefined, tel:/sms: links decide.
    var crisis = payload.id ? (payload.crisis === "alert" || payload.crisis === "support" ? payload.crisis : null)
                            : undefined;
    var msg = { id: String(payload.id || uid()), role: "bot", text: text, buttons: buttons,
                crisis: crisis, ts: Date.now() };
    var staff = staffMarker(payload.staff);  // a person at the clinic (bot/staff)
    if (staff) { msg.staff = staff; }
    var added = addMessage(msg, true);
    if (added && !payload.untracked) { state.botCount += 1; saveState(); }
    if (added && !isOpen()) { unread += 1; updateLauncher(); }
  }

  /* The user's country (as the server normalised it, e.g. UK -> GB). */
  function country() {
    var code = config && config.crisis && config.crisis.country;
    return /^[A-Z]{2}$/.test(code || "") ? code : (/^[A-Z]{2}$/.test(COUNTRY) ? COUNTRY : "");
  }
  /* "/intent" messages skip Rasa's NLU, so metadata can't set the country there:
     the widget's own intents carry it as an entity, /greet{"country": "GB"}. */
  function intent(name) {
    var code = country();
    return "/" + name + (code ? JSON.stringify({ country: code }) : "");
  }

  // -------------------------------------------------------- connection ---
  var socket = null, connected = false, confirmed = false, inFlight = null;
  var unread = 0, bannerTimer = null, slowTimer = null, everConnected = false;

  function isOnline() { return connected && confirmed && navigator.onLine !== false; }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("failed to load " + src)); };
      document.head.appendChild(s);
    });
  }
  var ioPromise = null;
  function loadIo() {
    if (!ioPromise) {
      var previous = window.io;
      ioPromise = loadScript(BASE + "/vendor/socket.io.min.js").then(function () {
        var io = window.io;
        if (previous !== undefined && previous !== io) { window.io = previous; }  // leave the page's own io alone
        if (typeof io !== "function") { throw new Error("socket.io client missing"); }
        return io;
      });
    }
    return ioPromise;
  }

  function connect() {
    if (socket) {
      if (!socket.connected && navigator.onLine !== false) { socket.connect(); }
      return;
    }
    loadIo().then(function (io) {
      if (socket) { return; }
      socket = io(SERVER, { path: SOCKET_PATH, reconnection: true, reconnectionDelay: 1000,
                            reconnectionDelayMax: 5000, timeout: 10000, autoConnect: false });
      socket.on("connect", function () {
        connected = true;
        everConnected = true;
        socket.emit("session_request", { session_id: state.sessionId,
                                         session_token: state.sessionToken });
      });
      socket.on("session_confirm", function (sessionId, token) {
        if (typeof sessionId !== "string") { return; }
        if (sessionId !== state.sessionId) {
          // A new conversation (first visit, or a session from before tokens): the
          // messages on screen stay; the server's count of bot messages starts again.
          state.botCount = 0;
        }
        state.sessionId = sessionId;
        state.sessionToken = typeof token === "string" ? token : null;
        confirmed = true;
        saveState();
        updateStatus();
        sync(function () { flush(); });
      });
      socket.on("bot_uttered", onBotMessage);
      socket.on("disconnect", function () {
        connected = false;
        confirmed = false;
        inFlight = null;
        updateStatus();
      });
      socket.on("connect_error", function () { updateStatus(); });
      if (navigator.onLine !== false) { socket.connect(); }
    }).catch(function () {
      showUnavailable();
    });
  }

  function sync(done) {
    if (!state.sessionId || (!state.botCount && !state.messages.length)) { done(); return; }
    socket.timeout(15000).emit("webchat_sync", { bot_count: state.botCount }, function (err, res) {
      if (!err && res && res.ok && typeof res.bot_count === "number" && res.bot_count > state.botCount) {
        state.botCount = res.bot_count;
        saveState();
      }
      done();
    });
  }

  /* Send the oldest queued message; the next one goes when the assistant has answered. */
  function flush() {
    updateTyping();
    if (inFlight || !isOnline() || !state.outbox.length) { return; }
    var item = state.outbox[0];
    var attempt = uid();
    inFlight = { id: item.id, attempt: attempt };
    updateTyping();
    var metadata = {};
    if (country() || COUNTRY) { metadata.country = country() || COUNTRY; }
    socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", {
      message: item.text, session_id: state.sessionId, id: item.id, metadata: metadata
    }, function (err, res) {
      if (!inFlight || inFlight.attempt !== attempt) { return; }  // an older try: ignore
      inFlight = null;
      if (err) {  // no answer in time: send it again (the server handles a repeat once)
        showNote(t("slow"));
        updateTyping();
        setTimeout(flush, 3000);
        return;
      }
      state.outbox = state.outbox.filter(function (o) { return o.id !== item.id; });
      saveState();
      state.messages.forEach(function (m) { if (m.id === item.id) { updateMeta(m); } });
      clearNote();
      if (res && res.ok === false && res.error) { showNote(t("failed")); }
      if (res && res.duplicate) { sync(flush); } else { flush(); }
    });
  }

  function send(text, display, hidden) {
    text = String(text || "").trim();
    if (!text) { return; }
    if (text.length > MAX_CHARS) { text = text.slice(0, MAX_CHARS); }
    var id = uid();
    state.outbox.push({ id: id, text: text });
    if (!hidden) {
      addMessage({ id: id, role: "user", text: String(display || text), ts: Date.now() }, true);
    }
    saveState();
    connect();
    flush();
    updateStatus();
  }

  function updateTyping() {
    var waiting = !!inFlight;
    typing.classList.toggle("on", waiting);
    var wanted = waiting ? t("typing") : "";
    if (typingText.textContent !== wanted) { typingText.textContent = wanted; }
    clearTimeout(slowTimer);
    if (waiting) {
      slowTimer = setTimeout(function () { if (inFlight) { showNote(t("slow")); } }, 20000);
    }
    if (waiting && log.scrollHeight - log.scrollTop - log.clientHeight < 80) { scrollToEnd(); }
  }

  var noteNode = null;
  function clearNote() {
    if (noteNode && noteNode.parentNode) { noteNode.parentNode.removeChild(noteNode); }
    noteNode = null;
  }
  function showNote(text) {
    clearNote();
    noteNode = el("p", { className: "note", text: text });
    log.appendChild(noteNode);
    scrollToEnd();
  }

  function updateStatus() {
    clearTimeout(bannerTimer);
    var offline = navigator.onLine === false;
    if (offline) {
      setBanner(t("offline"));
    } else if (socket && !isOnline()) {
      // brief reconnects don't flash a banner
      bannerTimer = setTimeout(function () {
        if (!isOnline()) { setBanner(t(everConnected ? "reconnecting" : "connecting")); }
      }, BANNER_DELAY_MS);
    } else {
      setBanner("");
    }
    state.messages.forEach(function (m) { if (m.role === "user") { updateMeta(m); } });
    updateTyping();
  }
  function setBanner(text) {
    if (banner.textContent !== text) { banner.textContent = text; }
    banner.classList.toggle("on", !!text);
  }

  function showUnavailable() {
    var phone = config && config.clinic && config.clinic.phone_display;
    setBanner(phone ? t("unavailablePhone", { phone: phone }) : t("unavailable"));
  }

  window.addEventListener("offline", function () {
    if (socket && socket.connected) { socket.disconnect(); }
    updateStatus();
  });
  window.addEventListener("online", function () {
    if (socket && !socket.connected) { socket.connect(); } else if (isOpen() || state.outbox.length) { connect(); }
    updateStatus();
  });
  // Another tab of the same site changed the conversation: show the same one.
  window.addEventListener("storage", function (e) {
    if (e.key !== STORE_KEY) { return; }
    var next = loadState();
    var changed = JSON.stringify(next.messages) !== JSON.stringify(state.messages);
    next.draft = input.value;
    next.open = isOpen();
    state = next;
    if (changed) { renderAll(); }
  });

  // -------------------------------------------------------------- config ---
  var config = null, configReady = Promise.resolve();
  function loadConfig() {
    var url = BASE + "/config.json" + (COUNTRY ? "?country=" + encodeURIComponent(COUNTRY) : "");
    return fetch(url, { credentials: "omit" }).then(function (r) {
      if (!r.ok) { throw new Error("config " + r.status); }
      return r.json();
    }).then(function (cfg) {
      config = cfg;
      var crisis = cfg.crisis || {};
      if (crisis.short_line) { crisisText.textContent = crisis.short_line; }
      setCrisisLink(crisisCall, crisis.call_href, crisis.call_label);
      setCrisisLink(crisisSms, crisis.text_href, crisis.text_label);
      if (!String(data.clinicName || "").trim() && cfg.clinic) { setClinicName(cfg.clinic.short_name || cfg.clinic.name); }
    }).catch(function () { /* keep the fallback line: no number is ever hard-coded */ });
  }
  function setCrisisLink(node, href, label) {
    href = linkHref(href);
    if (!href) { node.hidden = true; return; }
    node.href = href;
    node.setAttribute("aria-label", label || href);
    node.hidden = false;
  }

  // ------------------------------------------------------ open / close ---
  /* Back to the message field after a button, except on touch screens, where
     that would pop the keyboard up over the answer. */
  function focusInput() {
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!coarse) { input.focus(); }
  }
  function isOpen() { return !panel.hidden; }
  function open(focus) {
    panel.hidden = false;
    wrap.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    updateLauncher();
    state.open = true;
    if (!state.greeted && !state.messages.length) {
      state.greeted = true;
      // the assistant introduces itself (once the country is known, 3 s at most)
      var timeout = new Promise(function (resolve) { setTimeout(resolve, 3000); });
      Promise.race([configReady, timeout]).then(function () { send(intent("greet"), null, true); });
    }
    saveState();
    connect();
    scrollToTurn();
    if (focus !== false) { input.focus(); }
  }
  function close() {
    panel.hidden = true;
    wrap.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }
  function updateLauncher() {
    launcherBadge.hidden = unread === 0;
    launcherBadge.textContent = unread ? String(unread) : "";
    launcher.setAttribute("aria-label", launcherLabel());
  }

  launcher.addEventListener("click", function () { if (isOpen()) { close(); } else { open(); } });
  closeBtn.addEventListener("click", close);
  handoffBtn.addEventListener("click", function () { send(intent("human_handoff"), t("handoff")); focusInput(); });
  wrap.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && isOpen()) { e.preventDefault(); close(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    state.draft = "";
    autosize();
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }
  input.addEventListener("input", function () {
    autosize();
    state.draft = input.value;
    saveState();
  });
  clearBtn.addEventListener("click", function () {
    if (!window.confirm(t("clearConfirm"))) { return; }
    var wasOpen = isOpen();
    state = freshState();
    inFlight = null;
    saveState();
    renderAll();
    if (socket) { socket.disconnect(); socket.connect(); }
    if (wasOpen) { open(); }
  });

  // ---------------------------------------------------------------- boot ---
  function boot() {
    setClinicName(clinicName);
    document.body.appendChild(host);
    styleLink.addEventListener("load", function () {
      host.hidden = false;
      if (isOpen()) { scrollToTurn(); }  // laid out only now
    });
    styleLink.addEventListener("error", function () { host.hidden = true; });
    configReady = loadConfig();
    input.value = state.draft || "";
    renderAll();
    updateStatus();
    if (state.open) { open(false); } else if (state.outbox.length) { connect(); }
  }
  window.__tmsWebchat = {
    open: function () { open(); },
    close: close,
    send: function (text) { send(text); },
    state: function () { return JSON.parse(JSON.stringify(state)); },
    /* How a bot text is rendered (HTML of detached nodes; for tests and debugging). */
    format: function (text) {
      var d = document.createElement("div");
      renderRich(d, text);
      return d.innerHTML;  // read only: serialises the nodes built above
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
