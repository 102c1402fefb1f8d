// One Prometheus registry per server instance, and the typed constructors other parts use.
// Not prom-client's global default registry: tests start many servers in one process, and a
// second server registering `pairkey_relay_connections` in the global registry would throw.
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** Every metric this project exports is named `pairkey_<part>_<what>[_unit]` (Prometheus naming). */
export const METRIC_NAME = /^pairkey_[a-z][a-z0-9_]*$/;

// `registers` is ours to set; callers give the rest of prom-client's configuration.
type Config<C> = Omit<C, 'registers'>;

export class Metrics {
  readonly registry = new Registry();

  /** Process metrics (CPU, memory, event-loop lag, GC) under `pairkey_process_…`; once per process is enough. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'pairkey_' });
  }

  counter<Label extends string = never>(config: Config<CounterConfiguration<Label>>): Counter<Label> {
    return new Counter<Label>({ ...this.#checked(config), registers: [this.registry] });
  }

  gauge<Label extends string = never>(config: Config<GaugeConfiguration<Label>>): Gauge<Label> {
    return new Gauge<Label>({ ...this.#checked(config), registers: [this.registry] });
  }

  histogram<Label extends string = never>(config: Config<HistogramConfiguration<Label>>): Histogram<Label> {
    return new Histogram<Label>({ ...this.#checked(config), registers: [this.registry] });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #checked<C extends { name: string }>(config: C): C {
    if (!METRIC_NAME.test(config.name)) throw new Error(`metric name "${config.name}" must match ${METRIC_NAME}`);
    // prom-client's own message for a duplicate does not say which registry; ours does.
    if (this.registry.getSingleMetric(config.name)) {
      throw new Error(`metric "${config.name}" is already registered on this server`);
    }
    return config;
  }
}
