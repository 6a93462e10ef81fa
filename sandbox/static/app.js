// The sandbox's chat page: plain JavaScript, no build step. The server holds everything; the
// page shows one person's chats, acts as that person, and reads the state again on every
// Server-Sent Event.
"use strict";

const view = {
  person: localStorage.getItem("sandbox.person") || "secretary",
  chat: null, // the open chat's id, or null for the list
  replyTo: null, // {id, text}: the message the next one answers
  state: null,
  fetching: false,
  again: false,
  nowAt: 0, // performance.now() when state.now was read
  resetArmed: false,
  dismissed: new Set(), // questions whose reply box the person closed
};

const $ = (id) => document.getElementById(id);

function esc(text) {
  return text.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function safeUrl(url) {
  return /^(https?:|tg:|mailto:)/i.test(url || "") ? url : null;
}

function linkify(text) {
  // Telegram makes plain links clickable; so does the page (they open in a new tab).
  return esc(text).replace(/https?:\/\/[^\s<]+[^\s<.,;:!?)\]'"]/g,
    (url) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`);
}

function wrap(entity, inner) {
  switch (entity.type) {
    case "bold": return `<b>${inner}</b>`;
    case "italic": return `<i>${inner}</i>`;
    case "underline": return `<u>${inner}</u>`;
    case "strikethrough": return `<s>${inner}</s>`;
    case "spoiler": return `<span class="spoiler">${inner}</span>`;
    case "code": return `<code>${inner}</code>`;
    case "pre": return `<pre>${inner}</pre>`;
    case "blockquote":
    case "expandable_blockquote": return `<blockquote>${inner}</blockquote>`;
    case "text_link": {
      const url = safeUrl(entity.url);
      return url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${inner}</a>` : inner;
    }
    default: return inner;
  }
}

// Entities count UTF-16 code units, as JavaScript strings do.
function formatted(text, entities) {
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  function build(start, end, list) {
    let out = "";
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const entityEnd = entity.offset + entity.length;
      out += linkify(text.slice(pos, entity.offset));
      const inner = [];
      i += 1;
      while (i < list.length && list[i].offset < entityEnd) { inner.push(list[i]); i += 1; }
      out += wrap(entity, build(entity.offset, entityEnd, inner));
      pos = entityEnd;
    }
    return out + linkify(text.slice(pos, end));
  }
  return build(0, text.length, sorted);
}

function t(key) {
  return (view.state && view.state.texts[key]) || key;
}

function timeOf(seconds, withDate) {
  const options = {hour: "2-digit", minute: "2-digit", timeZone: view.state.timezone};
  if (withDate) Object.assign(options, {weekday: "short", day: "2-digit", month: "2-digit", year: "numeric"});
  return new Intl.DateTimeFormat(view.state.language === "en" ? "en-GB" : "vi-VN", options)
    .format(new Date(seconds * 1000));
}

function dayOf(seconds) {
  return new Intl.DateTimeFormat(view.state.language === "en" ? "en-GB" : "vi-VN",
    {weekday: "long", day: "numeric", month: "numeric", year: "numeric", timeZone: view.state.timezone})
    .format(new Date(seconds * 1000));
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) toast(answer.error || response.statusText, false);
  return answer;
}

let toastTimer = null;
function toast(text, alert) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 3000);
}

async function refresh() {
  if (view.fetching) { view.again = true; return; }
  view.fetching = true;
  try {
    do {
      view.again = false;
      const query = new URLSearchParams({person: view.person});
      if (view.chat !== null) query.set("chat", String(view.chat));
      const response = await fetch(`/api/state?${query}`);
      if (!response.ok) {
        // A person unknown to this version of the page: back to the secretary.
        if (view.person !== "secretary") { view.person = "secretary"; view.again = true; }
        continue;
      }
      view.state = await response.json();
      view.nowAt = performance.now();
      render();
    } while (view.again);
  } finally {
    view.fetching = false;
  }
}

function render() {
  const s = view.state;
  document.documentElement.lang = s.language;
  document.title = s.texts.title;
  $("starting").hidden = s.ready;
  $("starting").textContent = s.texts.resetting;
  $("you-are").textContent = s.texts.you_are;
  $("note").textContent = s.texts.note;
  $("clock-label").textContent = s.texts.clock;
  $("move-hour").textContent = s.texts.plus_hour;
  $("move-day").textContent = s.texts.plus_day;
  $("move-reminder").textContent = s.texts.next_reminder;
  $("move-meeting").textContent = s.texts.meeting_start;
  $("tour-title").textContent = s.texts.tour;
  $("reset").textContent = view.resetArmed ? s.texts.reset_confirm : s.texts.reset;
  $("reset").classList.toggle("confirm", view.resetArmed);
  $("back").setAttribute("aria-label", s.texts.back);
  $("text").placeholder = s.texts.message;
  $("send").setAttribute("aria-label", s.texts.send);
  for (const button of document.querySelectorAll(".lang")) {
    button.classList.toggle("active", button.dataset.lang === s.language);
  }
  renderClock();
  renderPeople();
  renderTour();
  renderViolations();
  renderChats();
  renderChat();
  for (const shown of s.toasts) toast(shown.text, shown.alert);
}

function renderClock() {
  if (!view.state) return;
  const elapsed = (performance.now() - view.nowAt) / 1000;
  $("clock").textContent = timeOf(view.state.now + elapsed, true);
}

function renderPeople() {
  const select = $("person");
  const options = view.state.people.map((p) => {
    const unread = p.unread ? ` (${p.unread})` : "";
    return `<option value="${esc(p.key)}">${esc(p.name)} · ${esc(p.role)}${unread}</option>`;
  }).join("");
  if (select.innerHTML !== options) select.innerHTML = options;
  select.value = view.person;
}

function renderTour() {
  $("tour").innerHTML = view.state.tour.map((step) =>
    `<li data-step="${esc(step.key)}" class="${step.done ? "done" : ""}">${esc(step.text)}</li>`).join("");
}

function renderViolations() {
  const box = $("violations");
  const list = view.state.violations;
  box.hidden = !list.length;
  box.textContent = list.length ? `${view.state.texts.violation}\n${list.join("\n")}` : "";
}

function chatTitle(chat) {
  return chat.group ? chat.title : view.state.texts.private;
}

function renderChats() {
  const nav = $("chats");
  nav.hidden = view.chat !== null;
  nav.innerHTML = view.state.chats.map((chat) => {
    const last = chat.messages[chat.messages.length - 1];
    const preview = last ? (last.text || (last.document && last.document.name) || "") : "";
    const badge = chat.unread ? `<span class="badge">${chat.unread}</span>` : "";
    const letter = chat.group ? "CB" : "bot";
    return `<button type="button" class="chat-item" data-chat="${chat.id}">
      <span class="avatar">${letter}</span>
      <span class="meta"><span class="name">${esc(chatTitle(chat))}</span>
      <span class="last">${esc(preview.split("\n")[0])}</span></span>${badge}</button>`;
  }).join("");
}

function messageHtml(m) {
  const parts = [];
  if (!m.mine && (m.bot || view.state.chats.find((c) => c.id === view.chat && c.group))) {
    parts.push(`<div class="sender">${esc(m.bot ? "cellmeet" : m.sender)}</div>`);
  }
  if (m.reply_to) parts.push(`<div class="quote">${esc(m.reply_to.text)}</div>`);
  if (m.document) {
    const size = m.document.size ? ` · ${Math.max(1, Math.round(m.document.size / 1024))} KB` : "";
    const link = m.protected ? esc(m.document.name)
      : `<a href="${esc(m.document.url)}" download="${esc(m.document.name)}">${esc(m.document.name)}</a>`;
    parts.push(`<div class="doc"><span class="icon">▤</span><span>${link}${size}</span></div>`);
  }
  if (m.photo) parts.push(`<div class="photo"><img src="${esc(m.photo)}" alt=""></div>`);
  if (m.text) parts.push(`<div class="text">${formatted(m.text, m.entities)}</div>`);
  if (m.protected) parts.push(`<div class="protected">🔒 ${esc(view.state.texts.protected)}</div>`);
  const edited = m.edited ? `${esc(view.state.texts.edited)} · ` : "";
  parts.push(`<div class="foot">${edited}${timeOf(m.date, false)}` +
    `<button type="button" class="reply-btn" data-reply="${m.id}" title="${esc(view.state.texts.reply_to)}">↩</button></div>`);
  let keyboard = "";
  if (m.buttons.length) {
    keyboard = `<div class="kb">${m.buttons.map((row) => `<div class="row">${row.map((b) => {
      const url = safeUrl(b.url);
      if (url) return `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(b.text)}</a>`;
      return `<button type="button" data-message="${m.id}" data-data="${esc(b.data || "")}">${esc(b.text)}</button>`;
    }).join("")}</div>`).join("")}</div>`;
  }
  const classes = ["msg", m.mine ? "mine" : "", m.bot ? "bot" : ""].join(" ");
  return `<div class="${classes}" data-id="${m.id}"><div class="bubble">${parts.join("")}</div>${keyboard}</div>`;
}

function renderChat() {
  const section = $("chat");
  const chat = view.state.chats.find((c) => c.id === view.chat);
  if (!chat) { view.chat = null; section.hidden = true; $("chats").hidden = false; return; }
  section.hidden = false;
  $("chat-title").textContent = chatTitle(chat);
  $("chat-sub").textContent = chat.group ? "" : "@cellmeet_sandbox_bot";
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  // A date between the messages of different days, as Telegram shows it.
  let day = "";
  const items = chat.messages.map((m) => {
    const today = dayOf(m.date);
    const separator = today !== day ? `<div class="day">${esc(today)}</div>` : "";
    day = today;
    return separator + messageHtml(m);
  });
  const html = items.length ? items.join("")
    : `<div class="empty">${esc(view.state.texts.empty_chat)}</div>`;
  const changed = box.dataset.html !== html;
  if (changed) {
    box.innerHTML = html;
    box.dataset.html = html;
  }
  // The bot asks for an answer (ForceReply): the next message replies to it, as in Telegram.
  const last = chat.messages[chat.messages.length - 1];
  if (last && last.bot && last.force_reply && !view.dismissed.has(last.id) &&
      (!view.replyTo || view.replyTo.id !== last.id)) {
    view.replyTo = {id: last.id, text: last.text, asked: true};
  }
  renderReplying();
  if (changed && (atBottom || box.dataset.chat !== String(chat.id))) box.scrollTop = box.scrollHeight;
  box.dataset.chat = String(chat.id);
}

function renderReplying() {
  const bar = $("replying");
  bar.hidden = !view.replyTo;
  if (view.replyTo) {
    const hint = view.replyTo.asked ? `${view.state.texts.reply_hint} ` : "";
    $("replying-text").textContent = `${hint}${view.state.texts.reply_to}: ${view.replyTo.text.split("\n")[0]}`;
  }
}

function openChat(id) {
  view.chat = id;
  view.replyTo = null;
  $("messages").dataset.html = "";
  refresh().then(() => $("text").focus());
}

document.addEventListener("click", async (event) => {
  const target = event.target.closest("button, a");
  if (!target) return;
  if (target.classList.contains("chat-item")) {
    openChat(Number(target.dataset.chat));
  } else if (target.id === "back") {
    view.chat = null;
    view.replyTo = null;
    refresh();
  } else if (target.dataset.data !== undefined && target.dataset.message) {
    target.disabled = true;
    await api("/api/press", {person: view.person, chat: view.chat, message: Number(target.dataset.message), data: target.dataset.data});
  } else if (target.dataset.reply) {
    const message = view.state.chats.find((c) => c.id === view.chat).messages.find((m) => m.id === Number(target.dataset.reply));
    view.replyTo = {id: message.id, text: message.text || ""};
    renderReplying();
    $("text").focus();
  } else if (target.id === "replying-cancel") {
    if (view.replyTo) view.dismissed.add(view.replyTo.id);
    view.replyTo = null;
    renderReplying();
  } else if (target.classList.contains("lang")) {
    await api("/api/language", {language: target.dataset.lang});
  } else if (target.classList.contains("move")) {
    const moves = document.querySelectorAll(".move");
    moves.forEach((b) => { b.disabled = true; });
    try {
      const answer = await api("/api/clock", {to: target.dataset.to});
      if (answer.nothing) toast(t(answer.nothing), false);
    } finally {
      moves.forEach((b) => { b.disabled = false; });
    }
  } else if (target.id === "tools-toggle") {
    const tools = $("tools");
    tools.hidden = !tools.hidden;
    target.setAttribute("aria-expanded", String(!tools.hidden));
  } else if (target.id === "reset") {
    if (!view.resetArmed) {
      view.resetArmed = true;
      render();
      return;
    }
    view.resetArmed = false;
    view.chat = null;
    await api("/api/reset");
  }
});

$("person").addEventListener("change", (event) => {
  view.person = event.target.value;
  localStorage.setItem("sandbox.person", view.person);
  $("toast").hidden = true; // it was the other person's
  view.replyTo = null;
  refresh();
});

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text || view.chat === null) return;
  input.value = "";
  const body = {person: view.person, chat: view.chat, text};
  if (view.replyTo) body.reply_to = view.replyTo.id;
  view.replyTo = null;
  renderReplying();
  await api("/api/send", body);
});

const events = new EventSource("/api/events");
events.onmessage = () => refresh();
setInterval(renderClock, 15000);
refresh();
