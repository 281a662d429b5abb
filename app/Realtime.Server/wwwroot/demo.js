// The table-booking demo: every table is a claim in `booking:tonight`; the chat is `chat:tonight`.
// The layout (seatings and tables) comes from the server's `tables` RPC once connected.
import { RealtimeClient } from './realtime.js';

const BOOKINGS = 'booking:tonight';
const CHAT = 'chat:tonight';
const resource = (table, time) => `t${String(table).padStart(2, '0')}@${time}`;

const params = new URLSearchParams(location.search);
const name = params.get('name') || `guest-${Math.random().toString(36).slice(2, 6)}`;
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = new RealtimeClient(wsUrl);
const taken = new Map(); // resource → owner
const $ = (id) => document.getElementById(id);

function render() {
  for (const button of $('tables').querySelectorAll('button')) {
    const owner = taken.get(button.dataset.table);
    button.dataset.taken = owner === undefined ? '' : owner === me() ? 'mine' : 'other';
    button.setAttribute('aria-pressed', owner === me() ? 'true' : 'false');
    button.textContent = owner === undefined ? 'Book' : owner === me() ? 'Yours' : 'Booked';
    button.title = owner === undefined ? 'Free: book it' : owner === me() ? 'Booked by you' : 'Booked';
  }
}

function me() { return client.welcome?.user ?? client.welcome?.connection; }

function notice(text, kind) {
  const element = $('notice');
  element.textContent = text;
  element.className = kind;
}

/** Builds the grid from the server's layout; until then it is empty, and render() has no button to update. */
function buildGrid({ seatings, tables }) {
  const grid = $('tables');
  grid.replaceChildren(Object.assign(document.createElement('span'), { className: 'label' }));
  grid.style.gridTemplateColumns = `auto repeat(${seatings.length}, 1fr)`;
  for (const time of seatings) grid.append(Object.assign(document.createElement('span'), { className: 'label', textContent: time }));
  for (const table of tables) {
    grid.append(Object.assign(document.createElement('span'), { className: 'label', textContent: `Table ${table}` }));
    for (const time of seatings) {
      const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Book' });
      button.dataset.table = resource(table, time);
      button.setAttribute('aria-label', `Table ${table} at ${time}`);
      button.addEventListener('click', () => book(table, time));
      grid.append(button);
    }
  }
}

async function book(table, time) {
  const id = resource(table, time);
  if (taken.has(id)) {
    notice(taken.get(id) === me() ? `Table ${table} at ${time} is already yours.` : 'Sorry, that table was just booked', taken.get(id) === me() ? 'booked' : 'sorry');
    return;
  }
  try {
    await client.claim(BOOKINGS, id);
    taken.set(id, me());
    notice(`Booked! Table ${table} at ${time} is yours.`, 'booked');
  } catch (error) {
    if (error.code === 'conflict') {
      taken.set(id, error.owner);
      notice('Sorry, that table was just booked', 'sorry');
    } else {
      notice(`Could not book: ${error.message}`, 'sorry');
    }
  }
  render();
}

let layoutLoad; // the `tables` RPC in flight or done: the grid is built once
/** Asks the server for the layout and builds the grid; a failure is shown and asked again on the next open. */
function loadLayout() {
  layoutLoad ??= client.rpc('tables')
    .then((layout) => { buildGrid(layout); render(); })
    .catch((error) => {
      layoutLoad = undefined;
      notice(`Could not load the tables: ${error.message}`, 'sorry');
    });
  return layoutLoad;
}

async function reloadBookings() {
  taken.clear();
  for (const claim of await client.claims(BOOKINGS)) taken.set(claim.resource, claim.owner);
  render();
}

function addChatLine(data) {
  const item = document.createElement('li');
  item.textContent = `${data.name}: ${data.text}`;
  $('chat-log').append(item);
  item.scrollIntoView({ block: 'nearest' });
}

client.addEventListener('state', (e) => {
  const status = $('status');
  status.dataset.state = e.detail.state;
  status.textContent = e.detail.state;
});
client.addEventListener('welcome', (e) => { $('node').textContent = e.detail.welcome.node; });
client.addEventListener('state', (e) => {
  if (e.detail.state !== 'open') return;
  reloadBookings().catch(() => {});
  loadLayout(); // once, or again after a failed attempt
});

$('chat-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('chat-input');
  const text = input.value.trim();
  if (!text) return;
  try {
    await client.publish(CHAT, { name, text });
    input.value = '';
  } catch (error) {
    notice(`Message not sent: ${error.message}`, 'sorry');
  }
});

await client.subscribe(BOOKINGS, (event) => {
  if (event.event === 'claimed') taken.set(event.resource, event.owner);
  if (event.event === 'released') taken.delete(event.resource);
  render();
}, { onGap: () => reloadBookings().catch(() => {}) });
await client.subscribe(CHAT, addChatLine);
await client.connect();
window.realtimeDemo = { client, name }; // for tests and the curious
await loadLayout(); // already asked by the first 'open': this waits for the grid
