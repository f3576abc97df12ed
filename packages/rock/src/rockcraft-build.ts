import type { BuildResult } from "./native-build.js";
import type { BuildInputs } from "./plan.js";
import type { Progress } from "./progress.js";

export async function buildWithRockcraft(_inputs: BuildInputs, _progress: Progress): Promise<BuildResult> {
  throw new Error("not yet");
}
