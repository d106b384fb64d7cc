// The cxwire simulator's Workspace page: plays the Agent Workspace window for web content in
// iframes. Each iframe's Service Client API messages (posted to this window) go to the simulator
// over one WebSocket per iframe, which names the origin the browser reported for the iframe;
// the simulator's answers and events go back to that iframe, posted to that origin only.
// Nothing received is ever inserted as HTML.
(function () {
  'use strict';

  var MAX_LOG = 300;
  var MAX_QUEUE = 256;
  var frames = [];      // {name, url, iframe, relayEl, relay}
  var relayUrl = null;
  var pendingRefresh = null;

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setStatus(text, failed) {
    var status = byId('status');
    status.textContent = text;
    status.className = failed ? 'error' : '';
  }

  function summary(frame) {
    if (frame === null || typeof frame !== 'object') { return String(frame); }
    var parts = [];
    if (frame.request) { parts.push(String(frame.request)); }
    if (frame.event) { parts.push('event ' + String(frame.event)); }
    if (frame.data && typeof frame.data === 'object' && frame.data.eventType) { parts.push(String(frame.data.eventType)); }
    if (frame.referenceId !== undefined) { parts.push('#' + String(frame.referenceId)); }
    if (frame.frameId !== undefined && !frame.event && frame.referenceId === undefined) {
      parts.push('frameId ' + String(frame.frameId));
    }
    if ('errorMessage' in frame) { parts.push('error: ' + String(frame.errorMessage)); }
    return parts.join(' ');
  }

  function log(direction, entry, frame) {
    var list = byId('log');
    var failed = frame && typeof frame === 'object' && 'errorMessage' in frame;
    var line = el('li', failed ? 'fail' : direction === 'in' ? 'in' : 'out',
      (direction === 'in' ? entry.name + ' -> Workspace  ' : 'Workspace -> ' + entry.name + '  ') + summary(frame));
    list.insertBefore(line, list.firstChild);
    while (list.childNodes.length > MAX_LOG) { list.removeChild(list.lastChild); }
  }

  function showRelay(entry, text) { entry.relayEl.textContent = text; }

  function openRelay(entry, origin) {
    var relay = { origin: origin, queue: [], frameId: null, socket: null };
    entry.relay = relay;
    showRelay(entry, 'connecting as ' + origin);
    var socket = new WebSocket(relayUrl + '?origin=' + encodeURIComponent(origin));
    relay.socket = socket;
    socket.onopen = function () {
      while (relay.queue.length > 0) { socket.send(relay.queue.shift()); }
      showRelay(entry, 'origin ' + origin);
    };
    socket.onmessage = function (message) {
      if (entry.relay !== relay) { return; }
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame === null || typeof frame !== 'object') { return; }
      if (frame.frameId !== undefined && frame.event === undefined && frame.referenceId === undefined) {
        relay.frameId = frame.frameId;
        showRelay(entry, 'origin ' + origin + ', frame ' + String(frame.frameId));
      }
      log('out', entry, frame);
      // An opaque origin (a sandboxed iframe reports "null") cannot be named as a target.
      var target = origin === 'null' ? '*' : origin;
      try {
        if (entry.iframe.contentWindow) { entry.iframe.contentWindow.postMessage(frame, target); }
      } catch (e) {
        setStatus('cannot post to ' + entry.name + ': ' + String(e), true);
      }
      if (frame.event) { refreshSoon(); }
    };
    socket.onclose = function (event) {
      if (entry.relay === relay) {
        entry.relay = null;
        showRelay(entry, 'relay closed' + (event.reason ? ': ' + event.reason : '') + ' (reopens on the next message)');
      }
    };
  }

  function fromFrame(event) {
    var entry = null;
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].iframe.contentWindow === event.source) { entry = frames[i]; break; }
    }
    if (entry === null || relayUrl === null) { return; }
    var text;
    try { text = JSON.stringify(event.data); } catch (e) { return; }
    if (typeof text !== 'string') { return; }
    if (entry.relay && entry.relay.origin !== event.origin) {
      // The iframe navigated to another origin: it is another frame now.
      var old = entry.relay;
      entry.relay = null;
      old.socket.close(1000, 'the iframe changed origin');
    }
    if (!entry.relay) { openRelay(entry, event.origin); }
    log('in', entry, event.data);
    var relay = entry.relay;
    if (relay.socket.readyState === WebSocket.OPEN) {
      relay.socket.send(text);
    } else if (relay.queue.length < MAX_QUEUE) {
      relay.queue.push(text);
    } else {
      setStatus('dropped a message of ' + entry.name + ': the relay is not open', true);
    }
  }

  function addContent(name, url) {
    var parsed;
    try { parsed = new URL(url, window.location.href); } catch (e) { parsed = null; }
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      setStatus('ignored web content that is not an http(s) URL: ' + url, true);
      return;
    }
    var box = el('div', 'frame');
    var head = el('header');
    head.appendChild(el('strong', '', name));
    head.appendChild(el('span', 'muted', parsed.href));
    var relayEl = el('span', 'relay', 'no message yet');
    head.appendChild(relayEl);
    var iframe = document.createElement('iframe');
    iframe.title = name;
    iframe.src = parsed.href;
    box.appendChild(head);
    box.appendChild(iframe);
    byId('frames').appendChild(box);
    frames.push({ name: name, url: parsed.href, iframe: iframe, relayEl: relayEl, relay: null });
  }

  function refreshInteractions() {
    pendingRefresh = null;
    fetch('control/interactions').then(function (r) { return r.json(); }).then(function (list) {
      var ul = byId('interactions');
      while (ul.firstChild) { ul.removeChild(ul.firstChild); }
      if (!Array.isArray(list) || list.length === 0) { ul.appendChild(el('li', '', 'none')); return; }
      list.forEach(function (i) {
        ul.appendChild(el('li', '', [i.interactionId, i.media, i.ani, i.state].filter(Boolean).join('  ')));
      });
    }).catch(function () { /* the next refresh retries */ });
  }

  function refreshSoon() {
    if (pendingRefresh === null) { pendingRefresh = window.setTimeout(refreshInteractions, 150); }
  }

  function submit(event) {
    event.preventDefault();
    var form = event.target;
    var body = { action: form.getAttribute('data-action') };
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.value === '') { return; }
      body[field.name] = field.type === 'number' ? Number(field.value) : field.value;
    });
    fetch('control/action', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (result) {
      if (result.ok) {
        setStatus(body.action + ' done' + (result.answer.interactionId ? ': ' + result.answer.interactionId : ''), false);
      } else {
        setStatus(body.action + ' refused: ' + String(result.answer.error), true);
      }
      refreshSoon();
    }).catch(function (e) { setStatus(body.action + ' failed: ' + String(e), true); });
  }

  window.addEventListener('message', fromFrame, false);
  Array.prototype.forEach.call(document.querySelectorAll('form[data-action]'), function (form) {
    form.addEventListener('submit', submit, false);
  });

  fetch('config.json').then(function (r) { return r.json(); }).then(function (config) {
    relayUrl = config.relay;
    var agent = config.agent || {};
    byId('agent').textContent = [agent.firstname, agent.lastname].filter(Boolean).join(' ') +
      (agent.username ? ' (' + agent.username + ')' : '');
    (config.webContent || []).forEach(function (c) { addContent(String(c.name), String(c.url)); });
    new URLSearchParams(window.location.search).getAll('content').forEach(function (url) { addContent(url, url); });
    if (frames.length === 0) {
      byId('frames').appendChild(el('p', 'empty',
        'No web content: set workspacePage.webContent in the simulator configuration, or open this page with ?content=<url>.'));
    }
    refreshInteractions();
  }).catch(function (e) { setStatus('cannot read the configuration: ' + String(e), true); });
}());
