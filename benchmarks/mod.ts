/**
 * The embedded suites, by name: `deno task bench NAME` (no argument = "default"). One file per suite.
 *
 * @module
 */
import type { SuiteSpec } from "../src/suite/schema.ts";
import { defaultSuite } from "./default.ts";
import { smokeSuite } from "./smoke.ts";
import { nightlySuite } from "./nightly.ts";
import { digits8Suite } from "./digits8.ts";
import { mnistSuite } from "./mnist.ts";
import { paperFfhqSuite } from "./paper_ffhq.ts";
import { swissrollSuite } from "./swissroll.ts";
import { paperDitSuite } from "./paper_dit.ts";
import { digits8DitSuite } from "./digits8_dit.ts";
import { paperFfhqLdmSuite } from "./paper_ffhq_ldm.ts";
import { mnistLatentSuite } from "./mnist_latent.ts";
import { antTable1Digits8Suite, antTable1ToySuite } from "./ant_table1.ts";

/** Embedded suites by name. */
export const EMBEDDED_SUITES: Readonly<Record<string, SuiteSpec>> = {
  default: defaultSuite,
  swissroll: swissrollSuite,
  smoke: smokeSuite,
  nightly: nightlySuite,
  digits8: digits8Suite,
  mnist: mnistSuite,
  "paper-ffhq": paperFfhqSuite,
  "paper-dit": paperDitSuite,
  "digits8-dit": digits8DitSuite,
  "paper-ffhq-ldm": paperFfhqLdmSuite,
  "mnist-latent": mnistLatentSuite,
  "ant-table1-toy": antTable1ToySuite,
  "ant-table1-digits8": antTable1Digits8Suite,
};
