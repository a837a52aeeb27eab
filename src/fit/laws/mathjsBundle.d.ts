/**
 * The one-file build of mathjs (`mathjs/lib/browser/math.js`, in its package's exports): the same library as
 * `import("mathjs")`, loaded from one file instead of hundreds of ES modules.
 */
declare module "mathjs/lib/browser/math.js" {
  const math: typeof import("mathjs");
  export default math;
}
