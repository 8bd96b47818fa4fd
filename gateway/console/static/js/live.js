// Live: the console's server-sent events — the gateway's reachability, new or withdrawn records with
// the graph keys they touch (never their contents), and changes to the agency's alerts (alerts.js).
// EventSource reconnects by itself; each connection starts with a "status" event.

export class Live {
  constructor(handlers) {
    this.handlers = handlers;
    this.source = null;
  }

  start() {
    this.source = new EventSource("/api/live");
    this.source.onmessage = (message) => {
      const event = JSON.parse(message.data);
      const handler = this.handlers[event.type];
      if (handler) handler(event.type === "status" ? event.up : event);
    };
    this.source.onerror = () => {
      // The console itself went away (or restarts); EventSource tries again on its own.
    };
  }
}
