import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { installRequestCapture, uninstallRequestCapture } from '../http/request-capture';
import { VERSION } from '../version';

/**
 * `express` in OTEL_NODE_ENABLED_INSTRUMENTATIONS: route templates and IDs from express-style
 * routers via the request accessors (see http/request-capture.ts). It makes no spans of its own.
 */
export class RouteCaptureInstrumentation implements Instrumentation {
  readonly instrumentationName = 'shop-otel-route-capture';
  readonly instrumentationVersion = VERSION;
  private config: InstrumentationConfig = { enabled: true };

  constructor() {
    // Like InstrumentationBase: enabled on creation (registerInstrumentations enables only the
    // ones created disabled).
    this.enable();
  }

  enable(): void {
    installRequestCapture();
  }
  disable(): void {
    uninstallRequestCapture();
  }
  setTracerProvider(): void {}
  setMeterProvider(): void {}
  setConfig(config: InstrumentationConfig): void {
    this.config = config;
  }
  getConfig(): InstrumentationConfig {
    return this.config;
  }
}
