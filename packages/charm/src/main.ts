// Entry point of the bundle that `dispatch` runs.
import { dispatch } from "./dispatch.js";

process.exitCode = await dispatch(process.env, process.cwd());
