// The cxwire simulator's Workspace page: plays the Agent Workspace window for web content in
// iframes. Each iframe's Service Client API messages (posted to this window) go to the simulator
// over one WebSocket per iframe, which names the origin the browser reported for the iframe and
// this page's tab id; the simulator's answers and events go back to that iframe, posted to that
// origin only. The page draws the toasts, dialogs and menu views the web content asks for, from
// the requests it relays and their answers.
//
// Nothing received is ever inserted as HTML: every text goes through textContent, and the page's
// Content-Security-Policy enforces Trusted Types, so an HTML sink would throw.
(function () {
  'use strict';

  // Limits, each overridable by a query parameter of the page's address of the same name (a
  // positive integer), e.g. `?logLines=1000&queue=512`.
  var LIMITS = readLimits({
    logLines: 300,    // traffic log lines kept (the oldest go)
    logPayload: 600,  // characters of one payload shown in the log (the rest is counted)
    queue: 256,       // messages of one iframe waiting for its relay to open (past it: an errorMessage answer)
    pending: 256,     // drawing requests of one relay waiting for their answer (past it: the oldest is not drawn)
    toasts: 50,       // toasts drawn at once (past it: the oldest closes, and the log says so)
    dialogs: 10,      // dialogs drawn at once (likewise)
    views: 30,        // menu views drawn at once (likewise)
    text: 2000        // characters of one drawn text (the rest is counted)
  });

  function readLimits(defaults) {
    var params = new URLSearchParams(window.location.search);
    var limits = {};
    Object.keys(defaults).forEach(function (name) {
      var value = Number(params.get(name));
      var valid = params.has(name) && Number.isInteger(value) && value > 0 && value <= 1000000;
      if (params.has(name) && !valid) {
        document.getElementById('status').textContent = 'ignored ' + name + '=' + params.get(name) + ': not an integer from 1 to 1000000';
      }
      limits[name] = valid ? value : defaults[name];
    });
    return limits;
  }

  // The requests whose answers change what the page draws.
  var DRAWING = {
    'system.popupToast': true,
    'system.updateToast': true,
    'system.closeToast': true,
    'system.openDialog': true,
    'system.closeDialog': true,
    'system.updateViewInApplicationMenuBar': true,
    'system.closeViewInApplicationMenuBar': true
  };

  var frames = [];            // {name, url, iframe, box, relayEl, relay, loads, events}
  var relayUrl = null;
  var pendingRefresh = null;
  var toasts = new Map();     // toast id -> {node, timer, relay}
  var dialogs = new Map();    // dialog id -> node
  var views = new Map();      // view name -> node

  // One id for this page load: every relay names it, so that the simulator treats the web
  // contents of this page as one browser tab (frame leadership is a property of the tab).
  var TAB = newTabId();
  // The agent whose desktop this page plays (`?agent=`): the first agent's when absent.
  var AGENT = new URLSearchParams(window.location.search).get('agent') || null;

  function newTabId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = clip(String(text), LIMITS.text); }
    return node;
  }

  function clip(text, max) {
    return text.length <= max ? text : text.slice(0, max) + '... (' + String(text.length - max) + ' more characters)';
  }

  function setStatus(text, failed) {
    var status = byId('status');
    status.textContent = text;
    status.className = failed ? 'error' : '';
  }

  function isObject(value) { return value !== null && typeof value === 'object' && !Array.isArray(value); }

  function payload(value) {
    var text;
    try { text = JSON.stringify(value); } catch (e) { text = '(not JSON)'; }
    return clip(String(text), LIMITS.logPayload);
  }

  // One log line: what the message is, then its data (answers and events) or parameters.
  function summary(frame) {
    if (!isObject(frame)) { return payload(frame); }
    var parts = [];
    if (frame.request) { parts.push(String(frame.request)); }
    if (frame.event) { parts.push('event ' + String(frame.event)); }
    if (isObject(frame.data) && frame.data.eventType) { parts.push(String(frame.data.eventType)); }
    if (frame.referenceId !== undefined) { parts.push('#' + String(frame.referenceId)); }
    if (frame.frameId !== undefined && !frame.event && frame.referenceId === undefined) {
      parts.push('frameId ' + String(frame.frameId));
    }
    if (frame.subscriptionId !== undefined) { parts.push('subscriptionId ' + String(frame.subscriptionId)); }
    if ('errorMessage' in frame) { parts.push('error: ' + clip(String(frame.errorMessage), LIMITS.logPayload)); }
    if ('parameters' in frame) { parts.push('parameters ' + payload(frame.parameters)); }
    if ('data' in frame) { parts.push('data ' + payload(frame.data)); }
    return parts.join('  ');
  }

  function addLog(className, text) {
    var list = byId('log');
    list.insertBefore(el('li', className, text), list.firstChild);
    while (list.childNodes.length > LIMITS.logLines) { list.removeChild(list.lastChild); }
  }

  function log(direction, entry, frame) {
    var failed = isObject(frame) && 'errorMessage' in frame;
    addLog(failed ? 'fail' : direction,
      (direction === 'in' ? entry.name + ' -> Workspace  ' : 'Workspace -> ' + entry.name + '  ') + summary(frame));
  }

  function logUi(text) { addLog('ui', text); }

  function showRelay(entry, text) { entry.relayEl.textContent = text; }

  // ---------------------------------------------------------------------------------------------
  // Relays: one WebSocket per iframe document and library instance.

  function openRelay(entry, origin, fresh) {
    var relay = {
      origin: origin,
      queue: [],
      frameId: null,
      // Opened for a library instance that started after the one before (see fromFrame), at
      // this count of loads: the next load event is that instance's document's own.
      fresh: fresh,
      loadsAtOpen: entry.loads,
      pending: new Map(),
      socket: null
    };
    entry.relay = relay;
    entry.box.dataset.relays = String(Number(entry.box.dataset.relays || '0') + 1);
    showRelay(entry, 'connecting as ' + origin);
    var socket = new WebSocket(relayUrl + '?origin=' + encodeURIComponent(origin) + '&tab=' + encodeURIComponent(TAB) +
      (AGENT ? '&agent=' + encodeURIComponent(AGENT) : ''));
    relay.socket = socket;
    socket.onopen = function () {
      while (relay.queue.length > 0 && socket.readyState === WebSocket.OPEN) { socket.send(relay.queue.shift().text); }
      if (entry.relay === relay) { showRelay(entry, 'origin ' + origin + ' (no frame id)'); }
    };
    socket.onmessage = function (message) {
      if (entry.relay !== relay) { return; }
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (!isObject(frame)) { return; }
      if (frame.frameId !== undefined && frame.event === undefined && frame.referenceId === undefined) {
        relay.frameId = frame.frameId;
        entry.box.dataset.frameId = String(frame.frameId);
        showRelay(entry, 'origin ' + origin + ', frame ' + String(frame.frameId));
      }
      if (frame.event !== undefined) {
        entry.events += 1;
        entry.box.dataset.events = String(entry.events);
      }
      if (frame.referenceId !== undefined && frame.event === undefined) {
        // Drawing never stops the relay: the answer reaches the iframe whatever happens here.
        try { answered(entry, relay, frame); } catch (e) { setStatus('cannot draw for ' + entry.name + ': ' + String(e), true); }
      }
      post(entry, origin, frame);
      if (frame.event) { refreshSoon(); }
    };
    socket.onclose = function (event) {
      // Messages still queued never reached the simulator: their senders hear why (unless the
      // page closed the relay itself: they belong to a document that has gone).
      var unsent = relay.queue.splice(0, relay.queue.length);
      if (entry.relay !== relay) { unsent = []; }
      var why = event.reason || 'code ' + String(event.code);
      unsent.forEach(function (item) {
        refuse(entry, origin, item.data, 'Error: the Workspace page relay closed before it opened (' + why +
          '); this message was not sent.');
      });
      relayGone(relay, 'its connection ended');
      if (entry.relay === relay) {
        entry.relay = null;
        delete entry.box.dataset.frameId;
        showRelay(entry, 'relay closed' + (event.reason ? ': ' + event.reason : '') + ' (reopens on the next message)');
      }
    };
  }

  // Logs `frame` and posts it to the iframe, to `origin` only.
  function post(entry, origin, frame) {
    log('out', entry, frame);
    // An opaque origin (a sandboxed iframe reports "null") cannot be named as a target.
    var target = origin === 'null' ? '*' : origin;
    try {
      if (entry.iframe.contentWindow) { entry.iframe.contentWindow.postMessage(frame, target); }
    } catch (e) {
      setStatus('cannot post to ' + entry.name + ': ' + String(e), true);
    }
  }

  // A message the page cannot relay: its sender is answered with an errorMessage, as the
  // Workspace answers a request it refuses, so that the library's failure callback runs.
  function refuse(entry, origin, data, reason) {
    setStatus(entry.name + ': ' + reason, true);
    if (!isObject(data) || data.referenceId === undefined) { return; }
    var answer = { referenceId: data.referenceId, errorMessage: reason, userAgent: 'WWE Server', protocolVersion: 2 };
    if (typeof data.request === 'string') { answer.request = data.request; }
    post(entry, origin, answer);
  }

  // Closes the iframe's relay: the simulator drops its frame id, subscriptions and toasts.
  function closeRelay(entry, reason) {
    var relay = entry.relay;
    if (!relay) { return; }
    entry.relay = null;
    delete entry.box.dataset.frameId;
    showRelay(entry, 'relay closed: ' + reason);
    relayGone(relay, reason);
    try { relay.socket.close(1000, reason); } catch (e) { /* already closed */ }
  }

  // The simulator closes the toasts of a connection that ends; so does the page.
  function relayGone(relay, reason) {
    toasts.forEach(function (toast, id) {
      if (toast.relay === relay) { closeToast(id, reason); }
    });
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
    var data = event.data;
    var frameId = isObject(data) && data.frameId !== undefined && data.frameId !== null ? data.frameId : null;
    var fresh = false;
    if (entry.relay && entry.relay.origin !== event.origin) {
      // The iframe navigated to another origin: it is another frame now.
      closeRelay(entry, 'the iframe changed origin');
      fresh = true;
    } else if (entry.adopted && frameId === null) {
      // The library had its frame id and now sends without one: a new library instance (the
      // iframe reloaded, and its load event has not come yet, or the page started it again),
      // whether or not the old instance's relay is still open.
      closeRelay(entry, 'a new library instance in the iframe');
      fresh = true;
    }
    if (fresh) { entry.adopted = false; }
    if (!entry.relay) { openRelay(entry, event.origin, fresh); }
    var relay = entry.relay;
    if (frameId !== null && relay.frameId !== null && frameId === relay.frameId) { entry.adopted = true; }
    log('in', entry, data);
    if (relay.socket.readyState === WebSocket.OPEN) {
      relay.socket.send(text);
    } else if (relay.queue.length < LIMITS.queue) {
      relay.queue.push({ text: text, data: data });
    } else {
      refuse(entry, event.origin, data, 'Error: the Workspace page relay queue is full (' + String(LIMITS.queue) +
        ' messages wait for the relay to open); this message was not sent.');
      return;
    }
    if (isObject(data) && typeof data.request === 'string' && DRAWING[data.request] && data.referenceId !== undefined) {
      relay.pending.set(String(data.referenceId), { request: data.request, parameters: data.parameters });
      if (relay.pending.size > LIMITS.pending) { relay.pending.delete(relay.pending.keys().next().value); }
    }
  }

  // The iframe's document loaded. From the second load on, it is a new document: its library
  // instance must get a new frame id, and the old one's subscriptions must go, so the relay of
  // the document before is closed (the next message opens a new one). A relay opened for a new
  // library instance since the previous load (its messages came before this load event) is the
  // new document's own, and stays.
  function loaded(entry) {
    entry.loads += 1;
    entry.box.dataset.loads = String(entry.loads);
    if (entry.loads === 1) { return; }
    var relay = entry.relay;
    if (relay && relay.fresh && relay.loadsAtOpen === entry.loads - 1) {
      relay.fresh = false;
      return;
    }
    // The new document's library has no frame id yet.
    entry.adopted = false;
    closeRelay(entry, 'the iframe reloaded');
  }

  // ---------------------------------------------------------------------------------------------
  // Drawing: toasts, dialogs, menu views, from the relayed requests and their answers.

  function answered(entry, relay, frame) {
    var key = String(frame.referenceId);
    var request = relay.pending.get(key);
    if (!request) { return; }
    relay.pending.delete(key);
    if ('errorMessage' in frame) { return; }
    var args = Array.isArray(request.parameters) ? request.parameters : [];
    var data = frame.data;
    switch (request.request) {
      case 'system.popupToast':
        if (typeof data === 'string' && isObject(args[0])) { drawToast(data, args[0], relay, entry); }
        break;
      case 'system.updateToast':
        if (data === true && typeof args[0] === 'string' && isObject(args[1]) && toasts.has(args[0])) {
          drawToast(args[0], args[1], toasts.get(args[0]).relay, entry);
          logUi('toast ' + args[0] + ' updated');
        }
        break;
      case 'system.closeToast':
        if (data === true && typeof args[0] === 'string') { closeToast(args[0], 'closed by ' + entry.name); }
        break;
      case 'system.openDialog':
        if (typeof data === 'string') { drawDialog(data, args[0], isObject(args[1]) ? args[1] : {}, entry); }
        break;
      case 'system.closeDialog':
        if (data === true && typeof args[0] === 'string') { closeDialog(args[0], 'closed by ' + entry.name); }
        break;
      case 'system.updateViewInApplicationMenuBar':
        if (typeof data === 'string' && isObject(args[0])) { drawView(data, args[0]); }
        break;
      case 'system.closeViewInApplicationMenuBar':
        if (data === true && typeof args[0] === 'string') { closeView(args[0]); }
        break;
      default:
        break;
    }
  }

  // An http(s) URL, resolved against `base`, or null.
  function webUrl(text, base) {
    if (typeof text !== 'string' || text === '') { return null; }
    var parsed;
    try { parsed = new URL(text, base); } catch (e) { return null; }
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  }

  // A colour the page applies: #rgb / #rrggbb(aa), or a plain colour name.
  function safeColor(text) {
    return typeof text === 'string' && /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30})$/.test(text) ? text : null;
  }

  function drawToast(id, params, relay, entry) {
    var old = toasts.get(id);
    if (old) { window.clearTimeout(old.timer); }
    var node = el('div', 'toast');
    node.dataset.toastId = id;
    node.setAttribute('role', 'status');
    if (typeof params.width === 'number' && params.width > 0) { node.style.width = String(Math.min(params.width, 800)) + 'px'; }
    var top = el('div', 'top');
    var icon = webUrl(params.iconUrl, entry.url);
    if (icon) {
      var img = el('img');
      img.alt = '';
      img.src = icon;
      top.appendChild(img);
    }
    top.appendChild(el('span', 'title', params.title === undefined ? '' : params.title));
    if (params.buttonShowDismiss !== false) {
      var dismiss = el('button', 'dismiss', '\u00d7');
      dismiss.type = 'button';
      dismiss.title = 'Dismiss';
      dismiss.setAttribute('aria-label', 'Dismiss');
      dismiss.addEventListener('click', function () {
        // The simulator closes it too, so that closeToast and clicks agree with the screen.
        control({ action: 'toastDismiss', toast: id }, 'toast ' + id + ' dismissed');
        closeToast(id, 'dismissed');
      }, false);
      top.appendChild(dismiss);
    }
    node.appendChild(top);
    if (params.subject !== undefined && params.subject !== null) { node.appendChild(el('div', 'subject', params.subject)); }
    if (params.message !== undefined && params.message !== null) { node.appendChild(el('div', 'message', params.message)); }
    if (isObject(params.keyValues)) {
      var list = el('dl');
      Object.keys(params.keyValues).slice(0, 50).forEach(function (key) {
        var value = params.keyValues[key];
        list.appendChild(el('dt', '', key));
        list.appendChild(el('dd', '', typeof value === 'string' ? value : payload(value)));
      });
      node.appendChild(list);
    }
    if (Array.isArray(params.buttons) && params.buttons.length > 0) {
      var buttons = el('div', 'buttons');
      params.buttons.slice(0, 20).forEach(function (label, index) {
        var button = el('button', '', typeof label === 'string' ? label : payload(label));
        button.type = 'button';
        button.dataset.button = String(index);
        button.addEventListener('click', function () { clickToast(id, index); }, false);
        buttons.appendChild(button);
      });
      node.appendChild(buttons);
    }
    node.appendChild(el('div', 'owner', 'from ' + entry.name));
    var timer = null;
    if (typeof params.autoCloseTimeout === 'number' && params.autoCloseTimeout > 0) {
      timer = window.setTimeout(function () { closeToast(id, 'its autoCloseTimeout passed'); },
        Math.min(params.autoCloseTimeout, 2147483647));
    }
    var container = byId('toasts');
    if (old) {
      container.replaceChild(node, old.node);
    } else {
      container.appendChild(node);
      logUi('toast ' + id + ' shown');
    }
    toasts.set(id, { node: node, timer: timer, relay: relay });
    while (toasts.size > LIMITS.toasts) { closeToast(toasts.keys().next().value, 'too many toasts on screen'); }
  }

  function closeToast(id, reason) {
    var toast = toasts.get(id);
    if (!toast) { return; }
    toasts.delete(id);
    window.clearTimeout(toast.timer);
    if (toast.node.parentNode) { toast.node.parentNode.removeChild(toast.node); }
    logUi('toast ' + id + ' closed: ' + reason);
  }

  // A click on a toast button: the simulator sends the CUSTOM_TOAST_BUTTON_CLICK system event.
  // The toast stays until its web content closes it (or it is dismissed or times out).
  function clickToast(id, index) {
    control({ action: 'toastClick', toast: id, button: index }, 'toast ' + id + ' button ' + String(index));
  }

  function drawDialog(id, url, options, entry) {
    var old = dialogs.get(id);
    var node = el('div', 'dialog');
    node.dataset.dialogId = id;
    node.setAttribute('role', 'dialog');
    var top = el('div', 'top');
    var label = typeof options.label === 'string' && options.label !== '' ? options.label : id;
    top.appendChild(el('span', 'label', label));
    node.setAttribute('aria-label', clip(label, 200));
    var close = el('button', 'close', 'Close');
    close.type = 'button';
    close.addEventListener('click', function () { closeDialog(id, 'closed on the page'); }, false);
    top.appendChild(close);
    node.appendChild(top);
    node.appendChild(el('div', 'url', typeof url === 'string' ? url : payload(url)));
    var href = webUrl(url, entry.url);
    var content = null;
    if (href) {
      // The dialog's page is web content too: its messages are relayed like an embedded page's.
      var iframe = el('iframe');
      iframe.title = clip(label, 200);
      var relayEl = el('div', 'relay', 'no message yet');
      content = frameEntry('dialog ' + id, href, iframe, node, relayEl);
      if (typeof options.width === 'number' && options.width > 0) { node.style.width = String(Math.min(options.width, 1600)) + 'px'; }
      if (typeof options.height === 'number' && options.height > 0) { iframe.style.height = String(Math.min(options.height, 1200)) + 'px'; }
      node.appendChild(iframe);
      node.appendChild(relayEl);
    }
    node.appendChild(el('div', 'owner', 'from ' + entry.name));
    var container = byId('dialogs');
    if (old) {
      dropEntry(old.content, 'its dialog was opened again');
      container.replaceChild(node, old.node);
    } else {
      container.appendChild(node);
    }
    dialogs.set(id, { node: node, content: content });
    logUi('dialog ' + id + ' opened');
    while (dialogs.size > LIMITS.dialogs) { closeDialog(dialogs.keys().next().value, 'too many dialogs on screen'); }
  }

  function closeDialog(id, reason) {
    var dialog = dialogs.get(id);
    if (!dialog) { return; }
    dialogs.delete(id);
    dropEntry(dialog.content, 'its dialog closed');
    if (dialog.node.parentNode) { dialog.node.parentNode.removeChild(dialog.node); }
    logUi('dialog ' + id + ' closed: ' + reason);
  }

  function drawView(name, params) {
    var old = views.get(name);
    var node = el('span', 'view');
    node.dataset.viewName = name;
    var icon = webUrl(params.iconUrl, window.location.href);
    if (icon) {
      var img = el('img');
      img.alt = '';
      img.src = icon;
      node.appendChild(img);
    }
    var text = typeof params.label === 'string' ? params.label : typeof params.shortLabel === 'string' ? params.shortLabel : '';
    node.appendChild(el('span', 'label', text));
    if (typeof params.tooltip === 'string') { node.title = clip(params.tooltip, 500); }
    var color = safeColor(params.labelColor);
    if (color) { node.style.color = color; }
    var background = safeColor(params.backgroundColor);
    if (background) { node.style.backgroundColor = background; }
    var bar = byId('views');
    if (old) { bar.replaceChild(node, old); } else { bar.appendChild(node); }
    views.set(name, node);
    logUi('view ' + name + (old ? ' updated' : ' added'));
    while (views.size > LIMITS.views) { closeView(views.keys().next().value); }
  }

  function closeView(name) {
    var node = views.get(name);
    if (!node) { return; }
    views.delete(name);
    if (node.parentNode) { node.parentNode.removeChild(node); }
    logUi('view ' + name + ' closed');
  }

  // ---------------------------------------------------------------------------------------------
  // The page itself: web content, the control API, interactions.

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
    var reload = el('button', 'reload', 'Reload');
    reload.type = 'button';
    head.appendChild(reload);
    var iframe = document.createElement('iframe');
    iframe.title = name;
    var entry = frameEntry(name, parsed.href, iframe, box, relayEl);
    // Setting the address again loads the document again (the parent cannot call reload() on
    // an iframe of another origin).
    reload.addEventListener('click', function () { iframe.src = entry.url; }, false);
    box.appendChild(head);
    box.appendChild(iframe);
    byId('frames').appendChild(box);
  }

  // Registers `iframe` (showing `url`) as web content whose messages the page relays; `box`
  // carries its state for tests (data-loads, data-events, data-relays, data-frame-id).
  function frameEntry(name, url, iframe, box, relayEl) {
    box.dataset.loads = '0';
    box.dataset.events = '0';
    box.dataset.relays = '0';
    // adopted: the library instance in the iframe has sent a message with its relay's frame id,
    // so a message without one comes from a new instance.
    var entry = { name: name, url: url, iframe: iframe, box: box, relayEl: relayEl, relay: null, loads: 0, events: 0, adopted: false };
    iframe.addEventListener('load', function () { loaded(entry); }, false);
    iframe.src = url;
    frames.push(entry);
    return entry;
  }

  // Web content that goes away (its dialog closed): its relay closes with it.
  function dropEntry(entry, reason) {
    if (!entry) { return; }
    closeRelay(entry, reason);
    var index = frames.indexOf(entry);
    if (index >= 0) { frames.splice(index, 1); }
  }

  function refreshInteractions() {
    pendingRefresh = null;
    fetch('control/interactions' + (AGENT ? '?agent=' + encodeURIComponent(AGENT) : '')).then(function (r) { return r.json(); }).then(function (list) {
      if (isObject(list) && list.error !== undefined) {
        // E.g. an agent this simulator does not play (the relays say so too).
        setStatus(String(list.error), true);
        return;
      }
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

  // Sends one action to the control API and shows the outcome.
  function control(body, what) {
    if (AGENT) { body.agent = AGENT; }
    fetch('control/action', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (result) {
      if (result.ok) {
        setStatus(what + ' done' + (result.answer.interactionId ? ': ' + result.answer.interactionId : ''), false);
        logUi(what + ' done');
      } else {
        setStatus(what + ' refused: ' + String(result.answer.error), true);
        logUi(what + ' refused: ' + String(result.answer.error));
      }
      refreshSoon();
    }).catch(function (e) { setStatus(what + ' failed: ' + String(e), true); });
  }

  function submit(event) {
    event.preventDefault();
    var form = event.target;
    var body = { action: form.getAttribute('data-action') };
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.value === '') { return; }
      body[field.name] = field.type === 'number' ? Number(field.value) : field.value;
    });
    control(body, body.action);
  }

  window.addEventListener('message', fromFrame, false);
  Array.prototype.forEach.call(document.querySelectorAll('form[data-action]'), function (form) {
    form.addEventListener('submit', submit, false);
  });
  document.body.dataset.tab = TAB;

  fetch('config.json').then(function (r) { return r.json(); }).then(function (config) {
    relayUrl = config.relay;
    var agent = config.agent || {};
    if (AGENT) {
      byId('agent').textContent = 'agent ' + AGENT;
    } else {
      byId('agent').textContent = [agent.firstname, agent.lastname].filter(Boolean).join(' ') +
        (agent.username ? ' (' + agent.username + ')' : '');
    }
    (config.webContent || []).forEach(function (c) { addContent(String(c.name), String(c.url)); });
    new URLSearchParams(window.location.search).getAll('content').forEach(function (url) { addContent(url, url); });
    if (frames.length === 0) {
      byId('frames').appendChild(el('p', 'empty',
        'No web content: set workspacePage.webContent in the simulator configuration, or open this page with ?content=<url>.'));
    }
    document.body.dataset.ready = 'true';
    refreshInteractions();
  }).catch(function (e) { setStatus('cannot read the configuration: ' + String(e), true); });
}());
