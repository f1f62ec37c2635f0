package dev.multiproc.launcher.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.ProcessInfo;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.Serializers;
import dev.multiproc.wire.Bootstrap;

import java.util.Map;
import java.util.stream.Collectors;

/** Builds the bootstrap a parent writes on a child's stdin: who the child is, its target, how to report back. */
final class Bootstraps {
    private Bootstraps() {
    }

    /**
     * @param name        the child's process name
     * @param daemon      whether it is a daemon
     * @param listener    where it connects its control channel
     * @param targetBytes its serialized target
     * @param services    the context that starts it
     * @param childId     its number in this JVM
     * @return the bootstrap, with this JVM's {@code multiproc.*} system properties
     */
    static Bootstrap of(String name, boolean daemon, ControlListener listener, byte[] targetBytes,
                        ContextServices services, long childId) {
        ProcessInfo parent = ProcessIdentity.current();
        Map<String, String> properties = System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("multiproc."))
                .collect(Collectors.toMap(k -> k, System::getProperty));
        return Bootstrap.newBuilder()
                .setProcessName(name)
                .setDaemon(daemon)
                .setParentPid(parent.pid())
                .setParentName(parent.name())
                .setParentDaemon(parent.isDaemon())
                .setControlAddress(listener.path().toString())
                .setAuthkey(ByteString.copyFrom(listener.authkey()))
                .setProcessAuthkey(ByteString.copyFrom(ProcessIdentity.authkey()))
                .setTarget(ByteString.copyFrom(targetBytes))
                .setTransport(services.settings().transport())
                .setChildId(childId)
                .setSerializer(Serializers.nameOf(services.serializer()))
                .putAllSystemProperties(properties)
                .build();
    }
}
