// The live transition stream, read with fetch instead of EventSource: EventSource cannot send an Authorization
// header, and a token in the URL would end up in logs and history. Reconnects send Last-Event-ID, so the server
// resumes after the last event seen without gaps (docs/api.md).

import {authHeaders, reportUnauthorized} from './api.js';

const RETRY_MS = [500, 1000, 2000, 5000];

export class EventStream {
  constructor() {
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.lastId = null;
    this.controller = null;
    this.connected = false;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.connected);
  }

  start() {
    if (this.controller) return;
    this.controller = new AbortController();
    this.loop(this.controller.signal);
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.setConnected(false);
  }

  setConnected(value) {
    this.connected = value;
    this.stateListeners.forEach((l) => l(value));
  }

  async loop(signal) {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const headers = authHeaders({Accept: 'text/event-stream'});
        if (this.lastId !== null) headers['Last-Event-ID'] = this.lastId;
        const response = await fetch('/api/v1/events', {headers, signal, cache: 'no-store'});
        if (response.status === 401) { this.stop(); reportUnauthorized(); return; }
        if (!response.ok || !response.body) throw new Error('events: HTTP ' + response.status);
        failures = 0;
        this.setConnected(true);
        await this.read(response.body, signal);
      } catch (e) {
        if (signal.aborted) return;
      }
      this.setConnected(false);
      const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async read(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = {id: null, type: 'message', data: []};
    while (!signal.aborted) {
      const {value, done} = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          this.dispatch(event);
          event = {id: null, type: 'message', data: []};
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') event.data.push(text);
        else if (field === 'id') event.id = text;
        else if (field === 'event') event.type = text;
      }
    }
  }

  dispatch(event) {
    if (event.id !== null) this.lastId = event.id;
    if (event.type !== 'transition' || event.data.length === 0) return;
    let transition;
    try { transition = JSON.parse(event.data.join('\n')); } catch (e) { return; }
    this.listeners.forEach((listener) => {
      try { listener(transition); } catch (e) { console.error(e); }
    });
  }
}
