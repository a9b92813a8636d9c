export { applyPatch } from './patch.engine';
export {
  MAX_PATCH_OPERATIONS,
  parsePatchPath,
  parsePatchRequest,
  type PatchOpName,
  type PatchOperation,
  type PatchPath,
} from './patch.request';
export { planGroupPatch, type GroupPatchStep } from './group-patch';
