/*
 * Meihao Mall realtime helper: one reconnecting websocket, no framework.
 *
 *   var handle = MeihaoRealtime.connect("/ws/stock/12/", {
 *     onMessage: function (data) {},      // each JSON message (non-JSON frames are ignored)
 *     onState: function (state, code, reason) {}, // "connecting" | "live" | "retrying" | "refused" | "stopped"
 *   });
 *   handle.close();                       // stop for good
 *
 * Reconnects with exponential backoff (1s, 2s, 4s ... 30s, each +/-20% jitter so a restarted server is not
 * hit by every page at once); the backoff restarts once a message has arrived. Every (re)connect is answered
 * with the current value, and the server sends it again after its Redis came back, so a page never needs
 * to ask. Close codes 4000-4999 are the server's considered "no" (e.g. 4404 unknown SKU, 4403 not your
 * order; realtime/base.py): no reconnect then, and onState gets the code and the reason from the server's
 * last {"type": "refused", "code", "reason"} message. 4429 (too many sockets from this address) is the
 * exception: it retries after the longest backoff. The socket is closed on pagehide and reopened if the page
 * comes back from the back/forward cache; going back online retries at once.
 */
(function (window) {
  "use strict";

  var BASE_DELAY = 1000;
  var MAX_DELAY = 30000;
  var TOO_MANY = 4429;

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  function backoff(attempt) {
    var delay = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
    return Math.round(Math.min(MAX_DELAY, delay * (0.8 + Math.random() * 0.4)));
  }

  function connect(path, options) {
    options = options || {};
    var socket = null;
    var timer = null;
    var attempt = 0;
    var refusal = "";      // the reason of the server's last "refused" message
    var stopped = false;   // closed by the page (handle.close or refused): never reopen
    var suspended = false; // page hidden into the back/forward cache: reopen on pageshow

    function setState(state, code, reason) {
      if (options.onState) {
        options.onState(state, code, reason);
      }
    }

    function open() {
      timer = null;
      if (stopped || suspended) {
        return;
      }
      setState("connecting");
      var current = new window.WebSocket(socketUrl(path));
      socket = current;
      current.onopen = function () {
        setState("live");
      };
      current.onmessage = function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (data && data.type === "refused") {
          refusal = String(data.reason || "");
          return;
        }
        attempt = 0;
        if (options.onMessage) {
          options.onMessage(data);
        }
      };
      current.onclose = function (event) {
        if (socket !== current) {
          return; // an older socket we already replaced
        }
        socket = null;
        if (stopped || suspended) {
          return;
        }
        if (event.code === TOO_MANY) {
          attempt = Math.max(attempt, 5); // 2^5 s > MAX_DELAY: wait the longest backoff
          schedule();
          return;
        }
        if (event.code >= 4000 && event.code <= 4999) {
          stopped = true;
          setState("refused", event.code, refusal || event.reason);
          return;
        }
        schedule();
      };
    }

    function schedule() {
      if (timer !== null || stopped || suspended) {
        return;
      }
      var delay = backoff(attempt);
      attempt += 1;
      setState("retrying", delay);
      timer = window.setTimeout(open, delay);
    }

    function shut() {
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
      if (socket) {
        var current = socket;
        socket = null;
        current.close(1000);
      }
    }

    function onPageHide() {
      suspended = true;
      shut();
    }

    function onPageShow(event) {
      if (event.persisted && suspended && !stopped) {
        suspended = false;
        attempt = 0;
        open();
      }
    }

    function onOnline() {
      if (timer !== null) {
        window.clearTimeout(timer);
        open();
      }
    }

    function close() {
      stopped = true;
      shut();
      window.removeEventListener("pagehide", onPageHide);
      window.removeEventListener("pageshow", onPageShow);
      window.removeEventListener("online", onOnline);
      setState("stopped");
    }

    if (!window.WebSocket) {
      return { close: function () {} };
    }
    window.addEventListener("pagehide", onPageHide);
    window.addEventListener("pageshow", onPageShow);
    window.addEventListener("online", onOnline);
    open();
    return { close: close };
  }

  // Run start() once the DOM is ready, if the browser has WebSockets and the page has an element for it.
  function whenPresent(selector, start) {
    function boot() {
      if (window.WebSocket && window.document.querySelector(selector)) {
        start();
      }
    }
    if (window.document.readyState === "loading") {
      window.document.addEventListener("DOMContentLoaded", boot);
    } else {
      boot();
    }
  }

  window.MeihaoRealtime = { connect: connect, socketUrl: socketUrl, backoff: backoff, whenPresent: whenPresent };
})(window);
