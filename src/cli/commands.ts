/**
 * The registry of `deno task cli` subcommands, keyed by name.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { affinityCommand } from "./affinity.ts";
import { autoencoderCommand } from "./autoencoder.ts";
import { transferGapCommand } from "./transfer_gap.ts";
import { clusterCommand } from "./cluster.ts";
import { fdCommand } from "./fd.ts";
import { featuresCommand } from "./features.ts";
import { kidCommand } from "./kid.ts";
import { prCommand } from "./pr.ts";
import { reportCommand } from "./report.ts";
import { compareCommand } from "./compare.ts";
import { powerCommand } from "./power.ts";
import { mergeCommand } from "./merge.ts";
import { reproduceCommand } from "./reproduce.ts";
import { slurmCommand } from "./slurm.ts";
import { k8sCommand } from "./k8s.ts";

/** Every subcommand. Add one line per command file. */
export const COMMANDS: readonly CliCommand[] = [
  clusterCommand,
  affinityCommand,
  fdCommand,
  featuresCommand,
  kidCommand,
  prCommand,
  reportCommand,
  compareCommand,
  powerCommand,
  mergeCommand,
  reproduceCommand,
  slurmCommand,
  k8sCommand,
  autoencoderCommand,
  transferGapCommand,
];
