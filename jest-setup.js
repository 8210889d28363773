// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no canvas, no layout and no observers. @grafana/ui's Combobox measures option text on
// a canvas, virtualises its menu by element size and watches its scroll edges, so give it a text
// metric, a non-zero box and inert observers; without them it throws or shows no options.
HTMLCanvasElement.prototype.getContext = () => ({
  font: '',
  measureText: (text) => ({ width: text.length * 8 }),
});
Element.prototype.getBoundingClientRect = () => ({
  x: 0,
  y: 0,
  top: 0,
  left: 0,
  bottom: 240,
  right: 240,
  width: 240,
  height: 240,
  toJSON: () => ({}),
});
class InertObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver ?? InertObserver;
global.ResizeObserver = global.ResizeObserver ?? InertObserver;
// @tanstack/virtual (Combobox's menu) reads the scroll element's client size.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 240 },
  clientWidth: { configurable: true, get: () => 240 },
});
