"use strict";
// Tandem demo front end: one simulated phone per person (and per group), mirroring the
// emulator's chat transcript. Plain DOM, no framework, so it runs straight from the server.

const state = {
  zone: "UTC",
  clock: null,
  places: [],
  languages: [],
  people: new Map(), // key -> Person
  entries: new Map(), // seq -> Entry; keyed by seq so replays after a reconnect never duplicate
  phones: new Map(), // key -> phone object (see buildPhone)
  pickers: new Set(), // the "Open link as" pickers on the page, refilled when people change
  loading: false,
  buffered: [], // entries that arrived over SSE while /api/state was being fetched
};

const PAPERCLIP = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">'
  + '<path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
  + 'd="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>';
const PINNED_SLACK = 48; // px from the bottom that still counts as "reading the newest message"

// ---- small helpers -------------------------------------------------------------------------

const $ = (selector, root = document) => root.querySelector(selector);

/** Create an element. attrs: class, text, on<event>, anything else becomes an attribute. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** GET (no body) or POST JSON; throws an Error carrying the server's {"error": ...} text. */
async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  let payload = null;
  try { payload = await response.json(); } catch { /* an HTML error page: fall through */ }
  if (!response.ok) throw new Error((payload && payload.error) || `${response.status} ${response.statusText}`);
  return payload;
}

// Times are shown in the programme's zone, not the viewer's; an unknown zone falls back to UTC.
const CLOCK_FORMAT = { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
function formatIn(iso, options) {
  try { return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: state.zone }).format(new Date(iso)); }
  catch { return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(new Date(iso)); }
}
const formatClock = (iso) => formatIn(iso, CLOCK_FORMAT);
const formatTime = (iso) => formatIn(iso, { hour: "2-digit", minute: "2-digit" });

const languageName = (code) => (state.languages.find((l) => l.code === code) || {}).name || code || "";

function nameOfUser(userId) {
  for (const person of state.people.values()) {
    if (person.kind === "private" && person.user_id === userId) return person.name;
  }
  return `User ${userId}`;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("") || "?";
}

/** A stable hue per person so avatars are easy to tell apart. */
function hue(text) {
  return [...text].reduce((h, ch) => (h * 31 + ch.codePointAt(0)) % 360, 0);
}

function setStatus(text, isError = false) {
  const status = $("#status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

// ---- phones --------------------------------------------------------------------------------

/** Languages written right to left. A person who reads one sees the bot's words, the answer
 *  buttons and the composer from the right, as Telegram shows them; what they type themselves is
 *  laid out by its own first letter (dir=auto), so a /command they send stays as typed. */
const RTL_LANGUAGES = new Set(["ar", "fa", "he", "ur"]);
const readsRtl = (person) => person.kind === "private"
  && RTL_LANGUAGES.has(String(person.language || "").split(/[-_]/)[0]);

/** Someone the bot has given a role (a newcomer who only typed /start has none yet). */
const hasJoined = (person) => Boolean(person.role) && person.role !== "newcomer";

function subtitleOf(person) {
  if (person.kind === "group") {
    const n = (person.members || []).length;
    return n ? `group · ${n} member${n === 1 ? "" : "s"}` : "group";
  }
  // The role the bot has given them, as it changes: not the part they play in the story.
  return [person.role || "not joined yet", languageName(person.language)].join(" · ");
}

function coordinatorName() {
  const people = [...state.people.values()].filter((p) => p.kind === "private");
  const found = people.find((p) => p.role === "coordinator") || people.find((p) => p.cast_role === "coordinator");
  return found ? found.name : "the coordinator";
}

/** What an empty chat says: where this person's story starts. */
function emptyHint(person) {
  if (person.kind === "group") return "No messages yet. Alerts about concerns arrive here.";
  const where = `${coordinatorName()}’s chat`;
  if (person.cast_role === "learner" || person.cast_role === "mentor") {
    return `No messages yet. ${person.name} joins with an invite link: in ${where}, choose ${person.name} under the invite and press “Open link as”.`;
  }
  return `No messages yet. Open an invite link in ${where} as ${person.name}, or type /start.`;
}

function buildPhone(person) {
  const id = `phone-${person.key}`;
  const phone = { person, pinned: true };
  phone.title = el("h2", { class: "phone-name", id: `${id}-name` });
  phone.subtitle = el("p", { class: "phone-sub" });
  phone.avatar = el("span", { class: "avatar", "aria-hidden": "true" });
  phone.list = el("div", {
    class: "messages", role: "log", "aria-live": "polite", tabindex: "0",
    "aria-label": `Chat of ${person.name}`,
    onscroll: () => updatePinned(phone),
  });
  phone.jumpDown = el("button", {
    type: "button", class: "new-below", hidden: true, text: "↓ New messages",
    onclick: () => { scrollToBottom(phone); phone.input.focus(); },
  });
  phone.toasts = el("div", { class: "toasts" });
  phone.notice = el("p", { class: "notice", role: "alert", hidden: true });
  phone.el = el("section", { class: "phone", "data-person": person.key, id, "aria-labelledby": `${id}-name` },
    el("header", { class: "phone-header" }, phone.avatar, el("div", { class: "phone-titles" }, phone.title, phone.subtitle)),
    el("div", { class: "screen" }, phone.list, phone.jumpDown, phone.toasts),
    phone.notice,
    buildComposer(phone));
  renderHeader(phone);
  return phone;
}

function renderHeader(phone) {
  const { person } = phone;
  phone.title.textContent = person.name;
  phone.subtitle.textContent = subtitleOf(person);
  phone.avatar.textContent = initials(person.name);
  phone.avatar.classList.toggle("avatar-group", person.kind === "group");
  phone.avatar.style.setProperty("--hue", hue(person.key));
  phone.list.setAttribute("aria-label", `Chat of ${person.name}`);
  phone.list.dataset.empty = emptyHint(person);
  phone.composer.dir = readsRtl(person) ? "rtl" : "ltr";
  renderCommands(phone);
  phone.input.setAttribute("aria-label", person.kind === "group"
    ? `Message to ${person.name} as ${nameOfUser(person.user_id)}`
    : `Message to the Tandem bot as ${person.name}`);
}

function buildComposer(phone) {
  const menuId = `menu-${phone.person.key}`;
  phone.attach = el("button", {
    type: "button", class: "attach", "aria-label": "Attach: location, voice note or photo",
    "aria-expanded": "false", "aria-controls": menuId,
    onclick: () => (phone.menu.hidden ? openMenu(phone) : closeMenu(phone, true)),
  });
  phone.attach.innerHTML = PAPERCLIP; // inline SVG: an emoji font may be missing, a drawn clip is not
  phone.mainMenu = el("div", { class: "menu-main" },
    el("button", { type: "button", text: "📍 Share location", onclick: () => showPlaces(phone) }),
    el("button", { type: "button", text: "🎤 Voice note (5 s)", onclick: () => sendExtra(phone, "/api/voice", { seconds: 5 }) }),
    el("button", { type: "button", text: "🖼️ Photo", onclick: () => sendExtra(phone, "/api/photo", {}) }));
  phone.placeMenu = el("div", { class: "menu-places", hidden: true });
  // The demo's own menus stay left to right, in an Arabic person's composer too.
  phone.menu = el("div", { class: "attach-menu", id: menuId, dir: "ltr", hidden: true }, phone.mainMenu, phone.placeMenu);
  // The "/" menu: the commands the bot set for this chat, as Telegram shows them beside the box.
  const commandsId = `commands-${phone.person.key}`;
  phone.slash = el("button", {
    type: "button", class: "slash", text: "/", hidden: true, "aria-label": "/ commands",
    "aria-expanded": "false", "aria-controls": commandsId,
    onclick: () => (phone.commandMenu.hidden ? openCommands(phone) : closeCommands(phone, true)),
  });
  phone.commandMenu = el("div", { class: "attach-menu command-menu", id: commandsId, dir: "ltr", hidden: true });
  phone.input = el("input", {
    type: "text", class: "composer-input", placeholder: "Message", autocomplete: "off", enterkeyhint: "send", dir: "auto",
    oninput: () => updateSendButton(phone),
  });
  phone.send = el("button", { type: "submit", class: "composer-send", disabled: true, text: "Send" });
  const form = phone.composer = el("form", {
    class: "composer",
    onsubmit: (event) => { event.preventDefault(); sendText(phone); },
    // Escape anywhere in the composer closes a menu and returns focus to the button that opened it.
    onkeydown: (event) => {
      if (event.key !== "Escape") return;
      if (!phone.menu.hidden) { event.preventDefault(); closeMenu(phone, true); }
      if (!phone.commandMenu.hidden) { event.preventDefault(); closeCommands(phone, true); }
    },
  }, phone.attach, phone.menu, phone.slash, phone.commandMenu, phone.input, phone.send); // each menu right after its button, so Tab walks into it
  return form;
}

/** The "/" menu's entries; the button shows only when the bot set commands for this person.
 *  A menu that changes while open keeps the keyboard on the same command (or its first). */
function renderCommands(phone) {
  const menu = phone.person.menu || [];
  const signature = JSON.stringify(menu);
  if (signature === phone.menuSignature) return;
  phone.menuSignature = signature;
  const focused = phone.commandMenu.contains(document.activeElement) ? document.activeElement.dataset.command : null;
  phone.slash.hidden = menu.length === 0;
  phone.commandMenu.replaceChildren(...menu.map((item) => el("button", {
    type: "button", class: "command", "data-command": item.command,
    onclick: () => { closeCommands(phone, false); sendCommand(phone, `/${item.command}`); },
  }, el("span", { class: "command-name", text: `/${item.command}` }), el("span", { class: "command-about", dir: "auto", text: item.description }))));
  if (!menu.length) closeCommands(phone, false);
  if (focused) {
    const same = phone.commandMenu.querySelector(`[data-command="${focused}"]`);
    (same || phone.commandMenu.querySelector("button") || phone.input).focus();
  }
}

function openCommands(phone) {
  for (const other of state.phones.values()) { closeMenu(other, false); if (other !== phone) closeCommands(other, false); }
  phone.commandMenu.hidden = false;
  phone.slash.setAttribute("aria-expanded", "true");
  const first = phone.commandMenu.querySelector("button");
  if (first) first.focus();
}

function closeCommands(phone, returnFocus) {
  if (phone.commandMenu.hidden) return;
  phone.commandMenu.hidden = true;
  phone.slash.setAttribute("aria-expanded", "false");
  if (returnFocus) phone.slash.focus();
}

function openMenu(phone) {
  for (const other of state.phones.values()) { closeCommands(other, false); if (other !== phone) closeMenu(other, false); }
  phone.mainMenu.hidden = false;
  phone.placeMenu.hidden = true;
  phone.menu.hidden = false;
  phone.attach.setAttribute("aria-expanded", "true");
  phone.mainMenu.querySelector("button").focus();
}

function closeMenu(phone, returnFocus) {
  if (phone.menu.hidden) return;
  phone.menu.hidden = true;
  phone.attach.setAttribute("aria-expanded", "false");
  if (returnFocus) phone.attach.focus();
}

/** The map-free location picker: one button per preset place. */
function showPlaces(phone) {
  const buttons = state.places.map((place) => el("button", {
    type: "button", class: "place", text: `📍 ${place.name}`,
    onclick: () => sendExtra(phone, "/api/location", { place: place.id }),
  }));
  phone.placeMenu.replaceChildren(
    el("p", { class: "menu-heading", text: "Share a location" }),
    ...(buttons.length ? buttons : [el("p", { class: "menu-empty", text: "No places configured." })]),
    el("button", { type: "button", class: "menu-back", text: "← Back", onclick: () => openMenu(phone) }));
  phone.mainMenu.hidden = true;
  phone.placeMenu.hidden = false;
  phone.placeMenu.querySelector("button").focus();
}

function updateSendButton(phone) {
  phone.send.disabled = phone.sending || phone.input.value.trim() === "";
}

function who(phone) {
  return { user_id: phone.person.user_id, chat_id: phone.person.chat_id };
}

async function sendText(phone) {
  const text = phone.input.value.trim();
  if (!text || phone.sending) return;
  if (await sendCommand(phone, text)) phone.input.value = "";
  updateSendButton(phone);
}

/** Send a text as this phone's person; true when it went. */
async function sendCommand(phone, text) {
  phone.sending = true;
  updateSendButton(phone);
  try {
    await api("/api/send", { ...who(phone), text });
    scrollToBottom(phone); // your own message should always be in view
    return true;
  } catch (error) {
    showNotice(phone, `Could not send: ${error.message}`);
    return false;
  } finally {
    phone.sending = false;
    updateSendButton(phone);
    phone.input.focus({ preventScroll: true });
  }
}

/** Location, voice and photo: same shape, different endpoint. */
async function sendExtra(phone, path, extra) {
  closeMenu(phone, false);
  phone.input.focus();
  try {
    await api(path, { ...who(phone), ...extra });
    scrollToBottom(phone);
  } catch (error) {
    showNotice(phone, `Could not send: ${error.message}`);
  }
}

async function press(phone, entry, data, button) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await api("/api/press", { ...who(phone), message_id: entry.message_id, data });
  } catch (error) {
    showNotice(phone, `That button did not work: ${error.message}`);
  } finally {
    // The bubble may have been replaced by an edit meanwhile; then this button is gone anyway.
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function showNotice(phone, text) {
  phone.notice.textContent = text;
  phone.notice.hidden = false;
  clearTimeout(phone.noticeTimer);
  phone.noticeTimer = setTimeout(() => { phone.notice.hidden = true; }, 6000);
}

/** The bot's answer to a button press: a toast that fades, or a more prominent alert card. */
function toast(phone, text, isAlert) {
  const node = el("div", {
    class: isAlert ? "toast toast-alert" : "toast", role: isAlert ? "alert" : "status", text,
    onclick: () => node.remove(),
  });
  phone.toasts.append(node);
  setTimeout(() => node.remove(), isAlert ? 5000 : 3000);
}

// ---- scrolling -----------------------------------------------------------------------------

function updatePinned(phone) {
  const list = phone.list;
  phone.pinned = list.scrollHeight - list.scrollTop - list.clientHeight < PINNED_SLACK;
  if (phone.pinned) phone.jumpDown.hidden = true;
}

function scrollToBottom(phone) {
  phone.list.scrollTop = phone.list.scrollHeight;
  phone.pinned = true;
  phone.jumpDown.hidden = true;
}

/** After new content: follow it if the reader was at the bottom, otherwise offer a jump button. */
function followNewest(phone, live) {
  if (phone.pinned) scrollToBottom(phone);
  else if (live) phone.jumpDown.hidden = false;
}

// ---- rendering entries ---------------------------------------------------------------------

function phonesForChat(chatId) {
  return [...state.phones.values()].filter((phone) => phone.person.chat_id === chatId);
}

function fileUrl(entry) {
  return `/api/files/${encodeURIComponent(entry.file_id)}`;
}

function voiceSeconds(entry) {
  if (Number.isFinite(entry.seconds)) return entry.seconds;
  const match = /^(\d+)(?::(\d\d))?$/.exec((entry.text || "").trim());
  if (!match) return 5; // the demo's voice stand-in is always five seconds long
  return match[2] === undefined ? Number(match[1]) : Number(match[1]) * 60 + Number(match[2]);
}

function caption(entry) {
  if (!entry.text) return null;
  const text = el("p", { class: "msg-text", text: entry.text });
  return entry.invite ? el("div", {}, text, inviteOpener(entry.invite)) : text;
}

/** A t.me invite link in a message: in the demo, a phone can "open" it, which is what tapping
 *  the link does on a phone (Telegram sends /start CODE for them). */
function inviteOpener(invite) {
  const picker = { invite };
  picker.select = el("select", {
    class: "invite-who", "aria-label": "Who opens this invite link",
    onchange: () => { picker.chosen = picker.select.value; picker.open.disabled = !picker.select.value; },
  });
  picker.open = el("button", {
    type: "button", class: "invite-open", text: "Open link as",
    onclick: async () => {
      const person = state.people.get(picker.select.value);
      if (!person) return;
      try {
        await api("/api/send", { user_id: person.user_id, chat_id: person.chat_id, text: `/start ${invite.code}` });
      } catch (error) {
        picker.open.textContent = `Could not open: ${error.message}`;
      }
    },
  });
  state.pickers.add(picker);
  fillPicker(picker);
  return el("div", { class: "invite-opener" }, picker.open, picker.select);
}

/** Everyone, those without a role first; the visitor's own choice stays, else the default. */
function fillPicker(picker) {
  const people = [...state.people.values()].filter((p) => p.kind === "private");
  const waiting = people.filter((p) => !hasJoined(p));
  const joined = people.filter(hasJoined);
  picker.select.replaceChildren(
    el("option", { value: "", text: "Choose a person" }),
    ...waiting.map((p) => el("option", { value: p.key, text: p.name })),
    ...joined.map((p) => el("option", { value: p.key, text: `${p.name} (${p.role})` })));
  const kept = picker.chosen && state.people.has(picker.chosen);
  picker.select.value = kept ? picker.chosen : defaultOpener(picker.invite, waiting);
  picker.open.disabled = !picker.select.value;
}

/** Who the invite was printed for: someone without a role whose part it is (Lea, for the
 *  learner invite), else the newest person added on the page, else nobody yet. */
function defaultOpener(invite, waiting) {
  const meant = waiting.find((p) => invite.role && p.cast_role === invite.role);
  const added = waiting.filter((p) => p.cast_role === "person").pop();
  return (meant || added || { key: "" }).key;
}

/** People came or changed: every picker on the page follows (detached ones are forgotten). */
function refreshPickers() {
  for (const picker of state.pickers) {
    if (picker.select.isConnected) fillPicker(picker);
    else state.pickers.delete(picker);
  }
}

/** The content of a bubble, by message kind. textContent only: message text is never HTML. */
function messageBody(phone, entry) {
  const isImage = entry.kind === "photo" || (entry.mime_type || "").startsWith("image/");
  if (isImage && entry.file_id) {
    const img = el("img", {
      class: "msg-photo", src: fileUrl(entry), alt: entry.text || entry.document || "Photo",
      loading: "lazy", onload: () => followNewest(phone, false),
      // A stand-in file that is not a real picture still shows as a photo, not a broken icon.
      onerror: () => img.replaceWith(el("p", { class: "msg-photo photo-missing", role: "img", "aria-label": img.alt, text: "🖼️" })),
    });
    return [img, caption(entry)];
  }
  if (entry.kind === "photo") return [el("p", { class: "msg-text", text: `🖼️ ${entry.text || "Photo"}` })];
  if (entry.kind === "document" || entry.document) {
    const name = entry.document || "file";
    const icon = /\.ics$/i.test(name) || entry.mime_type === "text/calendar" ? "📅" : "📄";
    const link = entry.file_id
      ? el("a", { class: "file-link", href: fileUrl(entry), download: name, text: "Download", "aria-label": `Download ${name}` })
      : el("span", { class: "file-link muted", text: "not available" });
    const card = el("div", { class: "file-card" },
      el("span", { class: "file-icon", "aria-hidden": "true", text: icon }),
      el("span", { class: "file-name", text: name }), link);
    return [card, caption(entry)];
  }
  switch (entry.kind) {
    case "location": return [el("p", { class: "msg-text", text: `📍 ${entry.text || "Location"}` })];
    case "contact": return [el("p", { class: "msg-text", text: `👤 ${entry.text}` })];
    case "sticker": return [el("p", { class: "msg-sticker", text: entry.text || "🏷️", "aria-label": "Sticker" })];
    case "voice": {
      const s = voiceSeconds(entry);
      const length = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      return [el("p", { class: "msg-voice", "aria-label": `Voice note, ${s} seconds` },
        el("span", { "aria-hidden": "true", text: "🎤 ▶︎ " }),
        el("span", { class: "wave", "aria-hidden": "true" }),
        el("span", { text: ` ${length}` }))];
    }
    default: return [el("p", { class: "msg-text", text: entry.text })];
  }
}

function buildKeyboard(phone, entry) {
  if (!entry.buttons || !entry.buttons.length) return null;
  const board = el("div", { class: "keyboard", role: "group", "aria-label": "Answer buttons" });
  entry.buttons.forEach((row, r) => {
    const rowEl = el("div", { class: "kb-row" });
    row.forEach((label, c) => {
      const data = entry.data && entry.data[r] ? entry.data[r][c] ?? null : null;
      // data null = a URL button: it would leave the demo, so it is shown but disabled.
      const button = el("button", {
        type: "button", class: "kb", text: label, disabled: data === null, "data-callback": data,
        dir: readsRtl(phone.person) ? "auto" : null,
        title: data === null ? "Link buttons do not open in the demo" : null,
      });
      button.addEventListener("click", () => press(phone, entry, data, button));
      rowEl.append(button);
    });
    board.append(rowEl);
  });
  return board;
}

/** One message: .msg is the row (bubble plus its keyboard), so `.msg-bot .kb` finds its buttons. */
function buildBubble(phone, entry) {
  const fromBot = entry.sender === "bot";
  const mine = !fromBot && entry.sender === phone.person.user_id;
  const classes = ["msg", fromBot ? "msg-bot" : "msg-user"];
  if (!fromBot && !mine) classes.push("msg-other"); // another group member: left side, with a name
  const bubble = el("div", { class: "bubble", dir: readsRtl(phone.person) ? (fromBot ? "rtl" : "auto") : null });
  if (phone.person.kind === "group" && !mine) {
    bubble.append(el("p", { class: "msg-sender", text: fromBot ? "Tandem" : nameOfUser(entry.sender).split(" ")[0] }));
  }
  bubble.append(...messageBody(phone, entry).filter(Boolean));
  bubble.append(el("time", { class: "msg-time", datetime: entry.t, text: formatTime(entry.t) }));
  return el("div", { class: classes.join(" "), "data-message-id": entry.message_id, "data-seq": entry.seq },
    bubble, buildKeyboard(phone, entry));
}

/** An edit replaces the earlier bot message in place; returns false if that message is not shown. */
function applyEdit(phone, entry) {
  const old = phone.list.querySelector(`.msg-bot[data-message-id="${entry.message_id}"]`);
  if (!old) return false;
  // Keep keyboard users in place: the button they just pressed is about to disappear.
  const focused = old.contains(document.activeElement)
    ? [...old.querySelectorAll(".kb")].indexOf(document.activeElement) : -2;
  const fresh = buildBubble(phone, entry);
  old.replaceWith(fresh);
  if (focused > -2) (fresh.querySelectorAll(".kb")[Math.max(focused, 0)] || phone.input).focus();
  return true;
}

function systemLine(text) {
  return el("p", { class: "system-line", text });
}

/** Render one transcript entry into one phone. live = it just happened (toasts only then). */
function renderEntry(phone, entry, live) {
  const mine = entry.sender === phone.person.user_id;
  switch (entry.kind) {
    case "answer":
    case "alert":
      if (live && entry.text) toast(phone, entry.text, entry.kind === "alert");
      return;
    case "delete":
      for (const node of phone.list.querySelectorAll(`.msg[data-message-id="${entry.message_id}"]`)) node.remove();
      return;
    case "kicked":
    case "member": {
      const name = nameOfUser(entry.sender);
      const fallback = entry.kind === "kicked" ? `🚫 ${name} blocked the bot` : `✅ ${name} unblocked the bot`;
      phone.list.append(systemLine(entry.text || fallback));
      break;
    }
    case "press": {
      const label = entry.text || entry.callback || "button";
      const text = mine ? `▸ ${label}` : `▸ ${nameOfUser(entry.sender).split(" ")[0]}: ${label}`;
      phone.list.append(el("p", { class: `press-line ${mine ? "mine" : ""}`, text }));
      break;
    }
    default:
      if (entry.edit && applyEdit(phone, entry)) return;
      phone.list.append(buildBubble(phone, entry));
  }
  // History replays scroll once at the end (renderHistory) instead of after every entry.
  if (live) followNewest(phone, true);
}

function receiveEntry(entry, live) {
  if (state.loading) state.buffered.push(entry);
  if (state.entries.has(entry.seq)) return;
  state.entries.set(entry.seq, entry);
  for (const phone of phonesForChat(entry.chat_id)) renderEntry(phone, entry, live);
}

/** Replay a phone's whole chat from the entries we hold, in transcript order. */
function renderHistory(phone) {
  phone.list.replaceChildren();
  const entries = [...state.entries.values()]
    .filter((entry) => entry.chat_id === phone.person.chat_id)
    .sort((a, b) => a.seq - b.seq);
  for (const entry of entries) renderEntry(phone, entry, false);
  scrollToBottom(phone);
}

// ---- people --------------------------------------------------------------------------------

function addPhone(person) {
  state.people.set(person.key, person);
  let phone = state.phones.get(person.key);
  if (phone) {
    phone.person = person;
    renderHeader(phone);
    // The coordinator's name in the other phones' empty-chat hints may have changed with her role.
    for (const other of state.phones.values()) other.list.dataset.empty = emptyHint(other.person);
  } else {
    phone = buildPhone(person);
    state.phones.set(person.key, phone);
    $("#phones").append(phone.el);
    renderHistory(phone);
  }
  renderJumpNav();
  refreshPickers();
  $("#empty").hidden = state.phones.size > 0;
  return phone;
}

function renderJumpNav() {
  const chips = [...state.phones.values()].map((phone) => el("button", {
    type: "button", class: "jump-btn", text: phone.person.name,
    onclick: () => {
      phone.el.scrollIntoView({ behavior: "smooth", inline: "start", block: "nearest" });
      phone.input.focus({ preventScroll: true });
    },
  }));
  $("#jump").replaceChildren(...chips);
}

function renderLanguages() {
  const select = $("#add-language");
  const previous = select.value;
  select.replaceChildren(...state.languages.map((l) => el("option", { value: l.code, text: l.name })));
  if (previous) select.value = previous;
}

async function addPerson(event) {
  event.preventDefault();
  const nameInput = $("#add-name");
  const name = nameInput.value.trim();
  if (!name) { setStatus("Please type a name first.", true); nameInput.focus(); return; }
  const button = $("#add-person");
  button.disabled = true;
  try {
    const person = await api("/api/people", { name, language: $("#add-language").value });
    const phone = addPhone(person); // the SSE "person" event may also arrive: addPhone is idempotent
    nameInput.value = "";
    setStatus(`${person.name} has a phone now.`);
    phone.el.scrollIntoView({ behavior: "smooth", inline: "start", block: "nearest" });
    phone.input.focus({ preventScroll: true });
  } catch (error) {
    setStatus(`Could not add ${name}: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

// ---- clock ---------------------------------------------------------------------------------

function setClock(iso) {
  if (!iso) return;
  state.clock = iso;
  const clock = $("#clock");
  clock.textContent = formatClock(iso);
  clock.setAttribute("datetime", iso);
}

async function advance(delta, clicked) {
  const buttons = document.querySelectorAll("[data-advance]");
  buttons.forEach((b) => { b.disabled = true; });
  document.body.classList.add("busy");
  $(".clock-group").setAttribute("aria-busy", "true");
  setStatus("Moving the clock forward; the bot is catching up…");
  try {
    const result = await api("/api/advance", { delta });
    setClock(result.clock);
    setStatus("");
  } catch (error) {
    setStatus(`The clock did not move: ${error.message}`, true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    document.body.classList.remove("busy");
    $(".clock-group").removeAttribute("aria-busy");
    // Disabling the button dropped keyboard focus; put it back where the user was.
    if (document.activeElement === document.body) clicked.focus();
  }
}

// ---- loading and live updates --------------------------------------------------------------

/** Fetch the whole world and re-render it; on every SSE (re)connect, since events may be missed.
 * Loads are chained so two of them never interleave. */
let loadChain = Promise.resolve();
function loadState() {
  loadChain = loadChain.then(fetchAndRender);
  return loadChain;
}

async function fetchAndRender() {
  state.loading = true;
  state.buffered = [];
  try {
    const data = await api("/api/state");
    state.zone = data.zone || "UTC";
    state.places = data.places || [];
    state.languages = data.languages || [];
    renderLanguages();
    setClock(data.clock);
    // Replace rather than merge: after a server restart the same seq may mean another entry.
    state.entries = new Map((data.entries || []).map((entry) => [entry.seq, entry]));
    for (const entry of state.buffered) if (!state.entries.has(entry.seq)) state.entries.set(entry.seq, entry);
    const keys = new Set((data.people || []).map((p) => p.key));
    for (const [key, phone] of state.phones) {
      if (!keys.has(key)) { phone.el.remove(); state.phones.delete(key); state.people.delete(key); }
    }
    for (const person of data.people || []) state.people.set(person.key, person);
    for (const person of data.people || []) addPhone(person);
    for (const phone of state.phones.values()) { renderHeader(phone); renderHistory(phone); }
    $("#empty").textContent = "No phones yet. Add a person above.";
    $("#empty").hidden = state.phones.size > 0;
    renderJumpNav();
  } catch (error) {
    setStatus(`Could not load the demo: ${error.message}`, true);
  } finally {
    state.loading = false;
  }
}

function setConnection(kind, text) {
  const conn = $("#conn");
  conn.dataset.state = kind;
  conn.textContent = text;
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    setConnection("live", "● Live");
    // Load after the stream is open, so nothing can fall between the snapshot and the stream
    // (entries arriving meanwhile are buffered, and duplicates are dropped by seq).
    loadState();
  });
  source.addEventListener("error", () => {
    setConnection("down", "Reconnecting…");
    // EventSource retries on its own unless the server refused outright; then retry by hand.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
  });
  source.addEventListener("entry", (event) => receiveEntry(JSON.parse(event.data), true));
  source.addEventListener("clock", (event) => setClock(JSON.parse(event.data).clock));
  source.addEventListener("person", (event) => addPhone(JSON.parse(event.data)));
}

function start() {
  $("#add-form").addEventListener("submit", addPerson);
  // On a phone-sized screen the guide starts folded: the phone needs the height.
  if (window.matchMedia("(max-width: 600px)").matches) $("#guide").open = false;
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => advance(button.dataset.advance, button));
  }
  // A click outside a phone's 📎 menu closes it, as menus do.
  document.addEventListener("click", (event) => {
    for (const phone of state.phones.values()) {
      if (!phone.menu.hidden && !phone.menu.contains(event.target) && !phone.attach.contains(event.target)) closeMenu(phone, false);
      if (!phone.commandMenu.hidden && !phone.commandMenu.contains(event.target) && !phone.slash.contains(event.target)) closeCommands(phone, false);
    }
  });
  connect();
  loadState(); // also without a working event stream, show what there is
}

start();
