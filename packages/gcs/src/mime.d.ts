/** The part of `mime` (v3, which ships no types) that uploads use. */
declare module 'mime' {
  const mime: {
    /** The content type of a file name or extension, null when unknown. */
    getType(path: string): string | null;
  };
  export default mime;
}
