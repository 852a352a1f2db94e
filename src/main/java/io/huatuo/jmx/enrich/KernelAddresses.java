package io.huatuo.jmx.enrich;

/**
 * Hides kernel addresses in event text for clients that could not read them themselves:
 * {@code /proc/kallsyms} shows unprivileged users zeros (kptr_restrict), and real addresses would
 * give away where KASLR put the kernel. Every 16-digit hex word in the kernel half of the address
 * space ({@code ffff…}, with or without {@code 0x}) becomes {@code 0000000000000000}: stack frames
 * keep their shape ({@code kfree_skb/0000000000000000 [kernel]}) and their symbol names, which is
 * what triage needs; memory cgroup css pointers and register dumps lose their values.
 */
public final class KernelAddresses {
    private static final int DIGITS = 16;

    private KernelAddresses() {
    }

    /** @return {@code text} with every kernel address zeroed; the same instance when there is none */
    public static String hide(String text) {
        int at = text.indexOf("ffff");
        if (at < 0) {
            return text;
        }
        char[] c = null;
        for (; at >= 0 && at + DIGITS <= text.length(); at = text.indexOf("ffff", at + 1)) {
            if (isAddress(text, at)) {
                if (c == null) {
                    c = text.toCharArray();
                }
                java.util.Arrays.fill(c, at, at + DIGITS, '0');
                at += DIGITS - 1;
            }
        }
        return c == null ? text : new String(c);
    }

    /** A word of exactly 16 hex digits starting at {@code at}, not part of a longer word. */
    private static boolean isAddress(String s, int at) {
        if (at > 0 && isWordChar(s.charAt(at - 1)) && !(at >= 2 && s.charAt(at - 1) == 'x' && s.charAt(at - 2) == '0'
                && (at == 2 || !isWordChar(s.charAt(at - 3))))) {
            return false;
        }
        for (int i = at; i < at + DIGITS; i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || Character.isUpperCase(s.charAt(i))) {
                return false;
            }
        }
        return at + DIGITS == s.length() || !isWordChar(s.charAt(at + DIGITS));
    }

    private static boolean isWordChar(char ch) {
        return Character.isLetterOrDigit(ch) || ch == '_';
    }
}
