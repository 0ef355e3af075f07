/**
 * Where the message content starts in each Loghub system's lines. Loghub defines a line as a
 * fixed header (timestamp, level, component...) followed by free-text content, and its ground
 * truth templates cover the content only, so evaluation strips the header first. These are
 * declarations of each system's header layout, not miner tuning: the miner sees one
 * configuration everywhere. A system not listed here is mined on whole lines.
 */
export const LOGHUB_HEADER_FORMATS: Readonly<Record<string, RegExp>> = {
  Android: /^\S+ +\S+ +\d+ +\d+ +\S +[^:]*?: (?<content>.*)$/,
  Apache: /^\[[^\]]+\] \[[^\]]+\] (?<content>.*)$/,
  BGL: /^(?:\S+ ){9}(?<content>.*)$/,
  HDFS: /^\S+ \S+ \S+ \S+ [^:]+: (?<content>.*)$/,
  HPC: /^(?:\S+ ){6}(?<content>.*)$/,
  Hadoop: /^\S+ \S+ \S+ \[[^\]]*\] [^:]+: (?<content>.*)$/,
  HealthApp: /^[^|]*\|[^|]*\|[^|]*\|(?<content>.*)$/,
  Linux: /^\S+ +\S+ \S+ \S+ [^:[]+(?:\[\d+\])?: (?<content>.*)$/,
  Mac: /^\S+ +\S+ \S+ \S+ [^[]+\[\d+\](?: \([^)]*\))?: (?<content>.*)$/,
  OpenSSH: /^\S+ +\S+ \S+ \S+ sshd\[\d+\]: (?<content>.*)$/,
  OpenStack: /^\S+ \S+ \S+ \S+ \S+ \S+ \[[^\]]*\] (?<content>.*)$/,
  Proxifier: /^\[[^\]]+\] \S+(?: \*\d+)? - (?<content>.*)$/,
  Spark: /^\S+ \S+ \S+ [^:]+: (?<content>.*)$/,
  Thunderbird: /^(?:\S+ ){8}[^:[]+(?:\[\d+\])?: (?<content>.*)$/,
  Windows: /^\S+ \S+, \S+ +\S+ +(?<content>.*)$/,
  Zookeeper: /^\S+ \S+ - \S+ +\[[^@]*@\d+\] - (?<content>.*)$/,
};

/** The content part of a line, or the whole line when its system has no declared header. */
export function contentOf(system: string, line: string): string {
  const m = LOGHUB_HEADER_FORMATS[system]?.exec(line);
  return m?.groups?.content ?? line;
}
