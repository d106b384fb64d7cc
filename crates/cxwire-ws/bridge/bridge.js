// cxwire bridge: embedded as web content in the Agent Workspace, relays Service Client API frames
// between the Workspace window (postMessage) and a cxwire acceptor (WebSocket), unchanged.
//
// Query parameters of the page (all optional):
//   ws            the WebSocket URL (default: ws(s)://<this host>/ws, with this page's query)
//   targetOrigin  the Workspace origin to post to and accept messages from (default '*')
//   any other     passed on to the acceptor (e.g. agent=1234)
(function () {
  'use strict';

  var CONNECTS_KEY = 'cxwire';
  var MAX_BUFFERED = 256;
  var params = new URLSearchParams(window.location.search);
  var targetOrigin = params.get('targetOrigin') || '*';
  var wsUrl = params.get('ws') ||
    ((window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + '/ws' + window.location.search);
  // The Workspace window: the opener for a popup, else the parent frame (as the vendor library).
  var target = window.opener || (window.parent !== window ? window.parent : null);

  var socket = null;
  var queue = [];          // frames from the Workspace while the socket is not open
  var delay = 250;         // reconnection backoff, ms
  var stateEl = document.getElementById('state');

  function show(text) {
    if (stateEl) { stateEl.textContent = text; }
  }

  function fromWorkspace(event) {
    if (!target || event.source !== target) { return; }
    if (targetOrigin !== '*' && event.origin !== targetOrigin) { return; }
    var text;
    try { text = JSON.stringify(event.data); } catch (e) { return; }
    if (typeof text !== 'string') { return; }
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(text);
    } else if (queue.length < MAX_BUFFERED) {
      queue.push(text);
    }
  }

  function fromAcceptor(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame === null || typeof frame !== 'object') { return; }
    if (frame[CONNECTS_KEY] === 'connects') {
      // b+s Connects: fire and forget on the top window.
      window.top.dispatchEvent(new CustomEvent('integrationapi', { detail: frame.detail }));
      return;
    }
    if (target) { target.postMessage(frame, targetOrigin); }
  }

  function open() {
    show('connecting');
    try {
      socket = new WebSocket(wsUrl);
    } catch (e) {
      retry();
      return;
    }
    socket.onopen = function () {
      delay = 250;
      show('connected');
      while (queue.length > 0 && socket.readyState === WebSocket.OPEN) { socket.send(queue.shift()); }
    };
    socket.onmessage = fromAcceptor;
    socket.onclose = function () { socket = null; retry(); };
    socket.onerror = function () { /* onclose follows */ };
  }

  function retry() {
    show('disconnected; retrying in ' + delay + ' ms');
    var wait = delay * (0.8 + 0.4 * Math.random());
    delay = Math.min(delay * 2, 30000);
    window.setTimeout(open, wait);
  }

  window.addEventListener('message', fromWorkspace, false);
  if (!target) { show('no Workspace window (open this page as Workspace web content)'); }
  open();
}());
