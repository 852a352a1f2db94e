/** Network links as rtnetlink reports them: the parser and a watcher thread, shared by netdev and lacp. */
package io.huatuo.jmx.tracer.link;
